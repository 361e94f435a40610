package io.keel.storage.log;

import java.util.zip.CRC32C;

/**
 * Every value this package stores starts with the CRC32C of the bytes after it (4 bytes, big-endian). RocksDB checks
 * its own blocks, but not every path end to end (memtable, WAL replay, a bit flipped in a cache or a DMA): this
 * checksum is verified on every read, so a damaged entry is detected and never served (fault 12, the PAR study,
 * FAST'18).
 *
 * <p>It covers the value only, where the MVCC store's checksum ({@code io.keel.storage.mvcc.layout.Checksum}) covers
 * key and value: an entry carries its own index, which is checked against the key it was read under
 * ({@code CorruptLogException.misplaced}), and the other records sit under fixed keys of their own, so a value under
 * the wrong key is caught here without hashing the key. The store's records carry no copy of their key.
 */
final class ValueChecksum {
    static final int LENGTH = Integer.BYTES;

    private ValueChecksum() {
    }

    /** The payload with its checksum in front. */
    static byte[] seal(byte[] payload) {
        byte[] value = new byte[LENGTH + payload.length];
        System.arraycopy(payload, 0, value, LENGTH, payload.length);
        writeInt(value, compute(value, LENGTH, payload.length));
        return value;
    }

    /** Whether the value is long enough to hold a checksum and the checksum matches the bytes after it. */
    static boolean intact(byte[] value) {
        return value.length >= LENGTH && readInt(value) == compute(value, LENGTH, value.length - LENGTH);
    }

    static int compute(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    private static void writeInt(byte[] value, int v) {
        value[0] = (byte) (v >>> 24);
        value[1] = (byte) (v >>> 16);
        value[2] = (byte) (v >>> 8);
        value[3] = (byte) v;
    }

    private static int readInt(byte[] value) {
        return (value[0] & 0xff) << 24 | (value[1] & 0xff) << 16 | (value[2] & 0xff) << 8 | (value[3] & 0xff);
    }
}
