package io.keel.raft;

import io.keel.raft.log.RaftLog;
import io.keel.raft.membership.Configuration;
import io.keel.raft.progress.Progress;
import io.keel.raft.progress.ProgressTracker;
import io.keel.raft.proto.MessageType;

/**
 * Leadership transfer (thesis §3.10), both ends of it. At the leader: the member leadership is being handed to,
 * brought up to date and then sent TimeoutNow; an abort after an election timeout; and a leader removed from the
 * configuration, which hands over once it may (when, and to whom). At the target: a TimeoutNow that has to wait
 * until a committed membership change is applied. RaftNode refuses proposals while this leader hands over
 * ({@link #handingOver}) and ends the lease for the term ({@link ReadPath#forbidLeaseForTerm}); the campaign and
 * stepping down are RaftNode's.
 *
 * <p>Why a removed leader hands over instead of stepping down: a leader removed from the configuration must stop
 * deciding for it, but stepping down at once can strand the cluster: the remaining voters may not yet know the
 * change is committed, so they still count the removed member's vote, which it refuses if its log holds entries
 * they lack (seen in the simulation as a cluster with no possible leader; fixed in 9f5be02, scenario 17). So it
 * hands leadership over like a transfer: no new proposals, the most caught-up remaining voter gets TimeoutNow
 * carrying the commit index, and this member steps down when the new leader's term reaches it. Until then it stays
 * leader of nothing: it counts toward no quorum and accepts no proposal; every election timeout it tries again,
 * possibly with another member.
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
    /**
     * While leading: the index of the applied membership change that removed this member from the voters, 0 while
     * it is one. Such a leader hands leadership over ({@link #removalHandOffDue}) and appends nothing meanwhile.
     */
    private long removedAt;
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

    /** Whether this leader was removed from the voters and has not handed leadership over yet. */
    boolean removed() {
        return removedAt != 0;
    }

    /** A leader that appends nothing now: it hands leadership over, by request or because it was removed. */
    boolean handingOver() {
        return inProgress() || removed();
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

    /** No transfer and no removal any more: a new leadership, or leadership lost. */
    void clear() {
        target = NONE;
        removedAt = 0;
    }

    /** A membership change applied: a target that is no longer a voter cannot take over. */
    void configurationChanged(Configuration next) {
        if (target != NONE && !next.isVoter(target)) {
            target = NONE;
        }
    }

    /**
     * A membership change applied at {@code index} while this member leads. Returns true when it is the change
     * that removed this leader from the voters (the first such since it became leader or was a voter again).
     */
    boolean leaderRemovedBy(Configuration next, long index) {
        if (next.isVoter(self)) {
            removedAt = 0;
            return false;
        }
        if (removedAt != 0) return false;
        removedAt = index;
        return true;
    }

    /**
     * Whether a removed leader may hand leadership over now: only once a quorum of the voters that remain has
     * reported a commit index at or past the change that removed it. Configurations take effect here when a change
     * is applied (etcd's way), not when appended (thesis §4.1), so the change commits with the old configuration's
     * quorum and a voter it adds may not know yet that it votes. Such a voter refuses every vote
     * (RaftNode.handleVoteRequest: it cannot tell itself from a wiped member), and only a leader can tell it, by
     * replicating the change and its commit. Handing over earlier stranded the cluster for good: add an empty voter
     * 5 to {2,3}, remove leader 3, and 2's campaign in {2,5} is refused by 5, whose snapshot from 3 was still on its
     * way (seeds 61280 and 30499, scenario 37). The thesis rule is the same in spirit: a removed leader steps down
     * once the new configuration's own majority holds the change (§4.2.2). A follower applies a committed change in
     * the Ready that carries its answer (or, with much to apply, in one of the next few, still long before a
     * successor's vote request can reach it), so the report means it votes by the new configuration.
     *
     * <p>Members older than this rule answer without a commit index (0): in a cluster being upgraded from such a
     * version, a removed leader waits until enough voters run the new version or until it is stopped (the
     * launcher stops a removed member about an election timeout after its removal applies; the others then elect
     * as before this rule). Check-quorum does not end the wait (RaftNode.tickLeader).
     */
    boolean removalHandOffDue() {
        if (removedAt == 0 || inProgress()) return false;
        return tracker.quorumCommitReported() >= removedAt;
    }

    /**
     * The successor of a leader removed from the configuration: the most caught-up remaining voter (the lowest id
     * among equals), or {@link #NONE} when none remains.
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
