package io.keel.server.cli;

import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Makes a stopped member's store diverge the way a bug (not a flipped bit) would: one byte of the oldest version in
 * its history changes and the record's CRC32C is recomputed, so the store still opens and reads it, yet its keys
 * and values are no longer what its peers hold. Record layout: crc32c(4, over the RocksDB key and the rest of the
 * value) | ... | the value's bytes last.
 */
final class StoreTamper {
    private StoreTamper() {
    }

    /** Changes the last byte of the first history record in {@code dataDir}'s store; returns its RocksDB key. */
    static byte[] divergeOldestVersion(Path dataDir) throws Exception {
        RocksDB.loadLibrary();
        String db = dataDir.resolve("store").resolve("db").toString();
        List<byte[]> names;
        try (Options o = new Options()) {
            names = RocksDB.listColumnFamilies(o, db);
        }
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (byte[] n : names) descriptors.add(new ColumnFamilyDescriptor(n));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions(); RocksDB rocks = RocksDB.open(options, db, descriptors, handles);
             WriteOptions sync = new WriteOptions().setSync(true)) {
            try {
                ColumnFamilyHandle history = null;
                for (int i = 0; i < names.size(); i++) {
                    if (new String(names.get(i), StandardCharsets.UTF_8).equals("history")) history = handles.get(i);
                }
                if (history == null) throw new AssertionError("no history column family in " + db);
                byte[] key;
                byte[] value;
                try (RocksIterator it = rocks.newIterator(history)) {
                    it.seekToFirst();
                    if (!it.isValid()) throw new AssertionError("the history in " + db + " is empty");
                    key = it.key();
                    value = it.value();
                }
                value[value.length - 1] ^= 0x01;
                CRC32C crc = new CRC32C();
                crc.update(key);
                crc.update(value, 4, value.length - 4);
                int c = (int) crc.getValue();
                value[0] = (byte) (c >>> 24);
                value[1] = (byte) (c >>> 16);
                value[2] = (byte) (c >>> 8);
                value[3] = (byte) c;
                rocks.put(history, sync, key, value);
                return key;
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        }
    }
}
