package io.keel.raft;

import java.util.ArrayDeque;

/**
 * Back-pressure on the leader: the payload bytes proposed and not yet committed are bounded, so a leader that
 * cannot commit (lost quorum, slow followers) refuses new proposals instead of growing its log without limit.
 * At least one proposal is always admitted, however large, so progress is possible with any bound.
 */
final class UncommittedBudget {
    private final long maxBytes;
    private final ArrayDeque<long[]> proposals = new ArrayDeque<>(); // {index, bytes}
    private long bytes;

    UncommittedBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    boolean admits(long size) {
        return bytes == 0 || bytes + size <= maxBytes;
    }

    void add(long index, long size) {
        proposals.addLast(new long[] {index, size});
        bytes += size;
    }

    void committedTo(long index) {
        while (!proposals.isEmpty() && proposals.peekFirst()[0] <= index) {
            bytes -= proposals.pollFirst()[1];
        }
    }

    void reset() {
        proposals.clear();
        bytes = 0;
    }

    long bytes() {
        return bytes;
    }
}
