package io.keel.storage.log;

/**
 * Log entries are keyed by their index as 8 big-endian bytes, so RocksDB's bytewise order is index order and a range
 * of the log is a range of keys (one iterator with bounds, one DeleteRange).
 */
final class LogKeys {
    static final int LENGTH = Long.BYTES;

    private LogKeys() {
    }

    static byte[] of(long index) {
        byte[] key = new byte[LENGTH];
        for (int i = LENGTH - 1; i >= 0; i--) {
            key[i] = (byte) index;
            index >>>= 8;
        }
        return key;
    }

    static long indexOf(byte[] key) {
        if (key.length != LENGTH) {
            throw new IllegalArgumentException("a log key is " + LENGTH + " bytes, not " + key.length);
        }
        long index = 0;
        for (byte b : key) index = (index << 8) | (b & 0xff);
        return index;
    }
}
