package io.keel.raft;

import io.keel.raft.log.RaftLog;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.read.ForwardedReads;
import io.keel.raft.read.LeaderLease;
import io.keel.raft.read.ReadRounds;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Linearizable reads (thesis §6.4), kept apart from {@link RaftNode} as etcd keeps its read_only apart: the
 * leader's ReadIndex rounds and lease reads, the reads a new leader holds until its first commit, and a follower's
 * reads forwarded to its leader. RaftNode decides who asks (leader or follower) and feeds in quorum answers; every
 * answer leaves through the {@link Outbox}: a {@link ReadState} for a read asked here, a MSG_READ_INDEX_RESPONSE for
 * a follower's.
 *
 * <p>The leader lease lives here too, with the one test of whether it may be earned or used:
 * {@link #leaseEligible()}.
 */
final class ReadPath {
    /** {@code from} of a read asked at this member (any other value: the follower that forwarded it). */
    static final long LOCAL = 0;

    private record WaitingRead(long readId, long from) {
    }

    private final RaftConfig config;
    private final RaftLog log;
    private final Outbox outbox;
    private final LongSupplier term;
    private final LeaderLease lease;
    private ReadRounds rounds = new ReadRounds();
    /** Reads that arrived before the leader's first entry of its term committed. */
    private final List<WaitingRead> awaitingCommit = new ArrayList<>();
    private final ForwardedReads forwarded;
    /** Set once a transfer was started in this term: see {@link #forbidLeaseForTerm}. */
    private boolean leaseForbidden;

    /** {@code salt}: the first id forwarded reads are sent under, different for each start (see ForwardedReads). */
    ReadPath(RaftConfig config, RaftLog log, Outbox outbox, LongSupplier term, long salt) {
        this.config = config;
        this.forwarded = new ForwardedReads(salt);
        this.log = log;
        this.outbox = outbox;
        this.term = term;
        this.lease = new LeaderLease(config.leaseDuration());
    }

    // ------------------------------------------------------------------ the lease

    /**
     * Whether the lease may be earned or used in this term. False for the rest of the term once a transfer started
     * (see {@link #forbidLeaseForTerm}); a transfer in progress therefore needs no test of its own.
     */
    boolean leaseEligible() {
        return !leaseForbidden;
    }

    /** The local monotonic time at which this leader's lease ends, or Long.MIN_VALUE when it holds none. */
    long leaseExpiresAt() {
        return leaseEligible() ? lease.expiresAt() : Long.MIN_VALUE;
    }

    private boolean leaseHeld(long now) {
        return leaseEligible() && lease.isValid(now);
    }

    /**
     * A leadership transfer started: the target will campaign with votes that ignore the lease guard, possibly long
     * after a TimeoutNow delayed in the network. So the lease ends now and is never taken again in this term, even
     * if the transfer is aborted: a round answered later could not rule out a leader elected by that late campaign
     * (the half-failed transfer of etcd-io/raft#99; scenario 19).
     */
    void forbidLeaseForTerm() {
        lease.drop();
        leaseForbidden = true;
    }

    /** See {@link RaftNode#clockMayHaveStopped}. */
    void clockMayHaveStopped(long now) {
        lease.restartAfter(now);
    }

    private boolean committedInCurrentTerm() {
        return log.term(log.committed()) == term.getAsLong();
    }

    // ------------------------------------------------------------------ leader

    /** This member became leader: new rounds, no lease yet. */
    void becameLeader() {
        rounds = new ReadRounds();
        lease.drop();
        leaseForbidden = false;
    }

    /**
     * Leadership is lost. The lease ends here; reads it answered and the caller has not executed yet fail their
     * re-check (ReadState): nothing relies on this member's refusal to vote any more. Reads asked here and not yet
     * confirmed are rejected; a follower's are not answered (its own timeout or leader change rejects them).
     */
    void leadershipLost() {
        for (ReadRounds.PendingRead r : rounds.abandon()) {
            if (r.from() == LOCAL) outbox.answer(ReadState.rejected(r.readId()));
        }
        for (WaitingRead r : awaitingCommit) {
            if (r.from() == LOCAL) outbox.answer(ReadState.rejected(r.readId()));
        }
        awaitingCommit.clear();
        lease.drop();
    }

    /** A read at the leader, asked here ({@link #LOCAL}) or forwarded by follower {@code from}. */
    void leaderRead(long readId, long from, long now) {
        if (!committedInCurrentTerm()) {
            // Until its first entry commits, a new leader may not know the latest commit index (thesis §6.4).
            awaitingCommit.add(new WaitingRead(readId, from));
            return;
        }
        if (from == LOCAL && config.readMode() == ReadMode.LEASE && leaseHeld(now)) {
            outbox.answer(ReadState.byLease(readId, log.committed(), lease.expiresAt()));
            return;
        }
        // Confirmed by the next round, which the next Ready starts (a single voter confirms itself there).
        rounds.addRead(readId, from, log.committed());
    }

    /** The commit index moved: once it is an entry of this term, the reads held for it go ahead. */
    void commitAdvanced(long now) {
        if (!committedInCurrentTerm()) return;
        List<WaitingRead> waiting = new ArrayList<>(awaitingCommit);
        awaitingCommit.clear();
        for (WaitingRead r : waiting) leaderRead(r.readId(), r.from(), now);
    }

    /** Starts a confirmation round sent at {@code now}; returns its number. */
    long startRound(long now) {
        return rounds.startRound(now, leaseEligible());
    }

    long currentRound() {
        return rounds.current();
    }

    /** Whether a read waits for a round not started yet: the next Ready starts one. */
    boolean roundWanted() {
        return rounds.roundWanted();
    }

    /**
     * A quorum has answered every round up to {@code quorumRound}: the reads waiting for those rounds are answered,
     * and the lease runs from the newest such round's send time (thesis §6.4.1; see LeaderLease), provided this
     * leader has committed an entry of its term (before that it may not know the commit index a lease read returns).
     */
    void confirm(long quorumRound) {
        ReadRounds.Confirmation c = rounds.confirm(quorumRound);
        if (c.leaseFrom() != ReadRounds.Confirmation.NO_LEASE && leaseEligible() && committedInCurrentTerm()) {
            lease.extendFrom(c.leaseFrom());
        }
        for (ReadRounds.PendingRead r : c.reads()) {
            if (r.from() == LOCAL) {
                outbox.answer(ReadState.confirmed(r.readId(), r.index()));
            } else {
                outbox.send(outbox.message(r.from(), MessageType.MSG_READ_INDEX_RESPONSE)
                        .setReadId(r.readId()).setIndex(r.index()).build());
            }
        }
    }

    // ------------------------------------------------------------------ follower

    /** Followers forward reads: only the leader can confirm that no newer leader exists. */
    void forward(long readId, long leader, long now) {
        long wireId = forwarded.add(readId, now);
        outbox.send(outbox.message(leader, MessageType.MSG_READ_INDEX).setReadId(wireId).build());
    }

    /** No leader to ask: the read is rejected at once. */
    void reject(long readId) {
        outbox.answer(ReadState.rejected(readId));
    }

    /** The leader's answer to a forwarded read (ignored if the read already ended). */
    void forwardedAnswer(Message m) {
        forwarded.answered(m.getReadId()).ifPresent(readId -> outbox.answer(m.getReject()
                ? ReadState.rejected(readId) : ReadState.confirmed(readId, m.getIndex())));
    }

    /** Forwarded reads unanswered for an election timeout are rejected: the request or the answer was lost. */
    void expireForwarded(long now) {
        for (long readId : forwarded.expire(now, config.electionTimeout())) {
            outbox.answer(ReadState.rejected(readId));
        }
    }

    /** The leader they were forwarded to is gone or unknown: a new one never heard of them. */
    void rejectForwarded() {
        for (long readId : forwarded.dropAll()) outbox.answer(ReadState.rejected(readId));
    }
}
