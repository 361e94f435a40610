package io.keel.storage.log;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.keel.raft.proto.Entry;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * An entry as stored: key = its index ({@link LogKeys}), value = CRC32C + the protobuf bytes ({@link ValueChecksum}).
 *
 * <p>The encoder is the write hot path: it serializes straight into a reused direct buffer, checksums it there and
 * hands it to the WriteBatch, which copies it; no heap array per entry. One encoder belongs to one writer at a time.
 *
 * <p>Why the checksum covers the value only, while the MVCC store's ({@code mvcc.Checksum}) covers key and value:
 * both must catch a value stored under the wrong key. An entry carries its own index, and {@link #decode} refuses
 * one whose index is not its key's, so the key adds nothing here; the store's records do not carry their keys, so
 * their checksum must.
 */
final class EntryCodec {
    /** Entries bigger than this are encoded through a heap array instead of growing the reused buffer for good. */
    private static final int MAX_REUSED_BYTES = 1 << 20;

    private final ByteBuffer key = ByteBuffer.allocateDirect(LogKeys.LENGTH);
    private ByteBuffer value = ByteBuffer.allocateDirect(4096);
    private final CRC32C crc = new CRC32C();

    void put(WriteBatch batch, ColumnFamilyHandle family, Entry entry) throws RocksDBException {
        int size = entry.getSerializedSize();
        int length = ValueChecksum.LENGTH + size;
        if (length > MAX_REUSED_BYTES) {
            batch.put(family, LogKeys.of(entry.getIndex()), ValueChecksum.seal(entry.toByteArray()));
            return;
        }
        if (value.capacity() < length) value = ByteBuffer.allocateDirect(Integer.highestOneBit(length) << 1);
        value.clear().position(ValueChecksum.LENGTH);
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(value);
            entry.writeTo(out);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException("entry " + entry.getIndex() + " did not serialize into its own size", e);
        }
        value.flip().position(ValueChecksum.LENGTH);
        crc.reset();
        crc.update(value);
        value.putInt(0, (int) crc.getValue()).position(0);
        key.clear();
        key.putLong(0, entry.getIndex());
        batch.put(family, key, value);
    }

    /**
     * The entry stored under {@code index}, checked: its checksum, that it parses, and that it is entry
     * {@code index}. The entry's data aliases {@code value} (no second copy), so {@code value} must not be reused.
     */
    static Entry decode(long index, byte[] value) {
        if (!ValueChecksum.intact(value)) throw CorruptLogException.checksum(index);
        Entry entry;
        try {
            CodedInputStream in = CodedInputStream.newInstance(value, ValueChecksum.LENGTH,
                    value.length - ValueChecksum.LENGTH);
            in.enableAliasing(true);
            entry = Entry.parseFrom(in);
        } catch (IOException e) {
            throw CorruptLogException.unparsable(index, e);
        }
        if (entry.getIndex() != index) throw CorruptLogException.misplaced(index, entry.getIndex());
        return entry;
    }
}
