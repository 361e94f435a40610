package io.keel.raft;

import io.keel.raft.log.RaftLog;
import io.keel.raft.membership.Configuration;
import io.keel.raft.progress.Progress;
import io.keel.raft.progress.ProgressTracker;
import io.keel.raft.proto.MessageType;

/**
 * Leadership transfer (thesis §3.10), both ends of it. At the leader: the member leadership is being handed to,
 * brought up to date and then sent TimeoutNow; an abort after an election timeout; the choice of a successor when
 * the leader was removed from the configuration. At the target: a TimeoutNow that has to wait until a committed
 * membership change is applied. RaftNode refuses proposals while a transfer runs and ends the lease for the term
 * ({@link ReadPath#forbidLeaseForTerm}); the campaign itself is RaftNode's.
 */
final class LeadershipTransfer {
    static final long NONE = 0;

    private final long self;
    private final RaftConfig config;
    private final RaftLog log;
    private final ProgressTracker tracker;
    private final Outbox outbox;
    private final Replicator replicator;

    private long target = NONE;
    private long startedAt;
    /** TimeoutNow arrived while a committed membership change was still unapplied: campaign once it is. */
    private boolean campaignWhenApplied;

    LeadershipTransfer(long self, RaftConfig config, RaftLog log, ProgressTracker tracker, Outbox outbox,
                       Replicator replicator) {
        this.self = self;
        this.config = config;
        this.log = log;
        this.tracker = tracker;
        this.outbox = outbox;
        this.replicator = replicator;
    }

    // ------------------------------------------------------------------ leader

    /** The member leadership is being handed to, or {@link #NONE}. */
    long target() {
        return target;
    }

    boolean inProgress() {
        return target != NONE;
    }

    /**
     * Starts handing leadership to {@code member} at {@code now}: TimeoutNow at once if its log matches the
     * leader's, else an append to bring it up to date ({@link #acknowledged} sends TimeoutNow once it has).
     */
    void start(long member, long now, long round) {
        target = member;
        startedAt = now;
        Progress p = tracker.get(member);
        if (p.match() == log.lastIndex()) {
            sendTimeoutNow(member);
        } else {
            replicator.sendAppend(member, true, round);
        }
    }

    /** {@code member} acknowledged entries up to its match: if it is the target and caught up, TimeoutNow goes. */
    void acknowledged(long member, Progress p) {
        if (member == target && p.match() == log.lastIndex()) {
            sendTimeoutNow(target);
        }
    }

    /**
     * Aborts a transfer that has not ended within an election timeout (the target did not win; thesis §3.10).
     * Returns whether one was aborted. The lease stays forbidden for this term.
     */
    boolean abortIfOverdue(long now) {
        if (target != NONE && now - startedAt >= config.electionTimeout()) {
            target = NONE;
            return true;
        }
        return false;
    }

    /** No transfer any more: a new leadership, or leadership lost. */
    void clear() {
        target = NONE;
    }

    /** A membership change applied: a target that is no longer a voter cannot take over. */
    void configurationChanged(Configuration next) {
        if (target != NONE && !next.isVoter(target)) {
            target = NONE;
        }
    }

    /**
     * The successor of a leader removed from the configuration: the most caught-up remaining voter (the lowest id
     * among equals), or {@link #NONE} when none remains. See RaftNode's handOffAfterRemoval for why.
     */
    long successorAfterRemoval(Configuration next) {
        long successor = NONE;
        for (long voter : next.members()) {
            if (voter == self || !next.isVoter(voter)) continue;
            if (successor == NONE || tracker.get(voter).match() > tracker.get(successor).match()) successor = voter;
        }
        return successor;
    }

    /**
     * TimeoutNow tells the target to campaign at once, with votes exempt from the lease guard. It carries the
     * commit index: when the leader hands over because it was removed, the target must apply that change before
     * it campaigns with the right set of voters.
     */
    private void sendTimeoutNow(long to) {
        outbox.send(outbox.message(to, MessageType.MSG_TIMEOUT_NOW).setCommit(log.committed()).build());
    }

    // ------------------------------------------------------------------ target

    /** A TimeoutNow came while a committed membership change was unapplied: campaign once it is applied. */
    void deferCampaign() {
        campaignWhenApplied = true;
    }

    boolean campaignDeferred() {
        return campaignWhenApplied;
    }

    /** The deferred campaign happened, or this member heard of another leader or term. */
    void dropDeferredCampaign() {
        campaignWhenApplied = false;
    }
}
