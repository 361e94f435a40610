package io.keel.raft.progress;

/**
 * The leader's view of one follower's log (thesis §3.5): match is the highest index known to be replicated there,
 * next the first index to send. Invariant: {@code match < next}.
 */
public final class Progress {
    private long match;
    private long next;
    private ProgressState state = ProgressState.PROBE;
    /** In PROBE: an append is outstanding, so no other is sent until it is answered or a heartbeat is answered. */
    private boolean probeSent;
    /** In SNAPSHOT: the index of the snapshot being sent. */
    private long pendingSnapshot;
    /** When the leader last heard from this member (leader's clock): feeds check-quorum (thesis §6.2). */
    private long lastHeardAt;
    /** The highest confirmation round this follower has answered (ReadIndex and lease, see ReadRounds). */
    private long roundAcked;
    /**
     * The highest commit index this follower reported in an answer (0 until it reports one). A follower applies a
     * membership change only once it knows it committed, so this tells a removed leader whether the follower knows
     * the configuration it is now a voter of (see RaftNode#maybeHandOffAfterRemoval).
     */
    private long commitReported;
    /** At the previous answered heartbeat: the last index then in flight, or -1 if nothing was. */
    private long inflightAtLastHeartbeat = -1;
    private final Inflights inflights;

    public Progress(long next, int maxInflight, long maxInflightBytes) {
        this.next = next;
        this.inflights = new Inflights(maxInflight, maxInflightBytes);
    }

    public long match() {
        return match;
    }

    public long next() {
        return next;
    }

    public ProgressState state() {
        return state;
    }

    public long pendingSnapshot() {
        return pendingSnapshot;
    }

    public Inflights inflights() {
        return inflights;
    }

    public long lastHeardAt() {
        return lastHeardAt;
    }

    public void heardAt(long now) {
        this.lastHeardAt = now;
    }

    public long roundAcked() {
        return roundAcked;
    }

    public void ackRound(long round) {
        roundAcked = Math.max(roundAcked, round);
    }

    public long commitReported() {
        return commitReported;
    }

    public void reportedCommit(long commit) {
        commitReported = Math.max(commitReported, commit);
    }

    /** Whether the leader must hold back appends to this follower for now. */
    public boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.isFull();
            case SNAPSHOT -> true;
        };
    }

    /**
     * Called when the follower answers a heartbeat, so it is alive. Returns true when replication looks stalled:
     * an append that was already in flight at the previous answered heartbeat is still unacknowledged, a whole
     * heartbeat interval later. (An append sent since then may simply not be answered yet.)
     */
    public boolean replicationStalled() {
        boolean stalled = state == ProgressState.REPLICATE && inflightAtLastHeartbeat >= 0
                && match < inflightAtLastHeartbeat;
        inflightAtLastHeartbeat = state == ProgressState.REPLICATE && inflights.count() > 0 ? next - 1 : -1;
        return stalled;
    }

    /** After an answered heartbeat: a probe that was lost must not stall the follower for ever. */
    public void resumeProbe() {
        probeSent = false;
    }

    public void becomeProbe() {
        if (state == ProgressState.SNAPSHOT) {
            // The snapshot, if it arrived, covers everything up to pendingSnapshot.
            next = Math.max(match + 1, pendingSnapshot + 1);
        } else {
            next = match + 1;
        }
        enter(ProgressState.PROBE);
    }

    /** The snapshot never arrived: probe again from the last known match. */
    public void abortSnapshot() {
        pendingSnapshot = 0;
        becomeProbe();
    }

    public void becomeReplicate() {
        next = match + 1;
        enter(ProgressState.REPLICATE);
    }

    public void becomeSnapshot(long snapshotIndex) {
        enter(ProgressState.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    private void enter(ProgressState newState) {
        state = newState;
        probeSent = false;
        pendingSnapshot = 0;
        inflights.reset();
    }

    /** Records that an append ending at {@code lastIndex} (with {@code bytes} of entries) was sent. */
    public void sentAppend(long lastIndex, long bytes, boolean hadEntries) {
        switch (state) {
            case REPLICATE -> {
                if (hadEntries) {
                    next = lastIndex + 1;
                    inflights.add(lastIndex, bytes);
                }
            }
            case PROBE -> probeSent = true;
            case SNAPSHOT -> throw new IllegalStateException("append sent while a snapshot is pending");
        }
    }

    /**
     * The follower acknowledged having the log up to {@code index}. Returns false for a stale acknowledgement
     * (below what is already known), which must change nothing.
     */
    public boolean acknowledge(long index) {
        boolean updated = false;
        if (index > match) {
            match = index;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        inflights.freeUpTo(index);
        return updated;
    }

    /**
     * The follower rejected an append whose preceding entry was {@code rejectedIndex}. Returns whether the
     * rejection was current (not a late answer to an older append) and next was moved back.
     * {@code nextProbe} is the leader's best guess of where the logs agree, derived from the follower's hint.
     */
    public boolean rejected(long rejectedIndex, long nextProbe) {
        if (state == ProgressState.REPLICATE) {
            // A rejection at or below match answers an append sent before the logs were known to match.
            if (rejectedIndex <= match) {
                return false;
            }
            becomeProbe();
            return true;
        }
        // In PROBE exactly one append is outstanding; a rejection of any other is stale.
        if (next - 1 != rejectedIndex) {
            return false;
        }
        next = Math.max(Math.min(rejectedIndex, nextProbe + 1), match + 1);
        probeSent = false;
        return true;
    }

    @Override
    public String toString() {
        return state + " match=" + match + " next=" + next
                + (state == ProgressState.SNAPSHOT ? " snapshot=" + pendingSnapshot : "")
                + (inflights.count() > 0 ? " inflight=" + inflights.count() : "");
    }
}
