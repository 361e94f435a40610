package io.keel.raft.read;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's confirmation rounds: each heartbeat broadcast starts a round with a new, increasing number, and
 * followers echo the number they answer. A read waiting for confirmation is tagged with the first round started
 * after it arrived, and is confirmed once a quorum has answered that round or a later one. Because a round number
 * is only ever issued after the read arrived, a late answer to an earlier heartbeat can never confirm it
 * (the bug of etcd-io/raft#397, where read contexts were matched loosely). One round confirms every read
 * waiting for it: reads are batched for free.
 *
 * <p>The same rounds drive the leader lease: a round answered by a quorum proves that a quorum heard from this
 * leader no earlier than the round's send time.
 */
public final class ReadRounds {
    private record Round(long number, long sentAt, boolean leaseEligible) {
    }

    private long current;
    private boolean roundWanted;
    private final ArrayDeque<Round> unconfirmed = new ArrayDeque<>();
    private final ArrayDeque<PendingRead> pending = new ArrayDeque<>();

    /** A read waiting for confirmation: {@code from} is 0 for a local read, else the follower that forwarded it. */
    public record PendingRead(long readId, long from, long index, long round) {
    }

    /** What a quorum confirmed: the reads that may now be answered, and the send time to extend the lease from. */
    public record Confirmation(List<PendingRead> reads, long leaseFrom) {
        /** leaseFrom when no confirmed round may extend the lease (monotonic times may be negative). */
        public static final long NO_LEASE = Long.MIN_VALUE;
        public static final Confirmation NONE = new Confirmation(List.of(), NO_LEASE);
    }

    public long current() {
        return current;
    }

    /** Starts a round sent at {@code now}. A round sent during a leadership transfer may never extend the lease. */
    public long startRound(long now, boolean leaseEligible) {
        current++;
        unconfirmed.addLast(new Round(current, now, leaseEligible));
        roundWanted = false;
        return current;
    }

    /** Registers a read that must be confirmed by a round started after now; {@code index} is the commit index. */
    public void addRead(long readId, long from, long index) {
        pending.addLast(new PendingRead(readId, from, index, current + 1));
        roundWanted = true;
    }

    /** Whether a read is waiting for a round that has not been started yet. */
    public boolean roundWanted() {
        return roundWanted;
    }

    /** A quorum has answered every round up to {@code quorumRound}. */
    public Confirmation confirm(long quorumRound) {
        long leaseFrom = Confirmation.NO_LEASE;
        while (!unconfirmed.isEmpty() && unconfirmed.peekFirst().number() <= quorumRound) {
            Round r = unconfirmed.pollFirst();
            if (r.leaseEligible()) leaseFrom = Math.max(leaseFrom, r.sentAt());
        }
        if (pending.isEmpty() || pending.peekFirst().round() > quorumRound) {
            return leaseFrom == Confirmation.NO_LEASE ? Confirmation.NONE : new Confirmation(List.of(), leaseFrom);
        }
        List<PendingRead> ready = new ArrayList<>();
        while (!pending.isEmpty() && pending.peekFirst().round() <= quorumRound) {
            ready.add(pending.pollFirst());
        }
        return new Confirmation(ready, leaseFrom);
    }

    /** Leadership is lost: returns the reads that will never be confirmed, and forgets everything. */
    public List<PendingRead> abandon() {
        List<PendingRead> dropped = new ArrayList<>(pending);
        pending.clear();
        unconfirmed.clear();
        roundWanted = false;
        return dropped;
    }
}
