package io.keel.storage;

import org.rocksdb.CompressionType;

/** How both of a member's RocksDB databases, the Raft log's and the store's, compress the files they write. */
public final class Compression {
    /**
     * LZ4, not RocksDB's default snappy: about 6% less CPU per put under write loads (compactions were a tenth of the
     * members' CPU, snappy a quarter of that); no compression at all cost the latency-bound loads more
     * (docs/benchmarks.md, "LZ4 instead of snappy"). Each file records its own compression, so files written with
     * snappy by earlier versions still read.
     */
    public static final CompressionType OF_FILES = CompressionType.LZ4_COMPRESSION;

    private Compression() {
    }
}
