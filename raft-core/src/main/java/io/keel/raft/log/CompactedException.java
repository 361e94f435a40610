package io.keel.raft.log;

/** The requested index lies before the log's first index: it was compacted into a snapshot. */
public final class CompactedException extends RuntimeException {
    public CompactedException(long index, long firstIndex) {
        super("index " + index + " is compacted (log starts at " + firstIndex + ")");
    }
}
