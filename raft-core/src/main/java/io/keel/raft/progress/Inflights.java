package io.keel.raft.progress;

/**
 * The appends a leader has sent to one follower and not yet seen acknowledged, bounded in count and in bytes.
 * The bound is what keeps a slow follower from making the leader buffer without limit, while still letting a
 * fast one have many appends on the wire at once (pipelining).
 */
public final class Inflights {
    private final int maxCount;
    private final long maxBytes;
    private final long[] lastIndexes;
    private final long[] sizes;
    private int start;
    private int count;
    private long bytes;

    public Inflights(int maxCount, long maxBytes) {
        if (maxCount < 1) throw new IllegalArgumentException("maxCount must be at least 1");
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
        this.lastIndexes = new long[maxCount];
        this.sizes = new long[maxCount];
    }

    public boolean isFull() {
        return count == maxCount || (maxBytes > 0 && bytes >= maxBytes);
    }

    public int count() {
        return count;
    }

    public long bytes() {
        return bytes;
    }

    /** Records an append whose last entry is {@code lastIndex}; indexes must increase. */
    public void add(long lastIndex, long size) {
        if (count == maxCount) throw new IllegalStateException("inflights full");
        if (count > 0 && lastIndexes[(start + count - 1) % maxCount] >= lastIndex) {
            throw new IllegalStateException("inflight indexes must increase: " + lastIndex);
        }
        int slot = (start + count) % maxCount;
        lastIndexes[slot] = lastIndex;
        sizes[slot] = size;
        count++;
        bytes += size;
    }

    /** Frees every append whose last entry is at or below {@code index}: the follower has it. */
    public void freeUpTo(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            bytes -= sizes[start];
            start = (start + 1) % maxCount;
            count--;
        }
    }

    public void reset() {
        start = 0;
        count = 0;
        bytes = 0;
    }
}
