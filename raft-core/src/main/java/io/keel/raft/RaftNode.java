package io.keel.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.raft.log.RaftLog;
import io.keel.raft.log.RaftStorage;
import io.keel.raft.membership.ConfChanger;
import io.keel.raft.membership.Configuration;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.raft.progress.Progress;
import io.keel.raft.progress.ProgressState;
import io.keel.raft.progress.ProgressTracker;
import io.keel.raft.quorum.VoteResult;

import java.util.List;
import java.util.SplittableRandom;

/**
 * One Raft member as a pure state machine. Inputs: {@link #tick}, {@link #step}, {@link #propose},
 * {@link #proposeConfChange}, {@link #read}, {@link #transferLeadership}, and the completions {@link #persisted},
 * {@link #applied} and {@link #reportSnapshot}. Output: {@link #ready()}. No threads, I/O or clocks: the caller
 * passes monotonic time in with each tick. Not thread-safe; one thread owns it.
 *
 * <p>Here: roles, elections and votes, the follower's side of replication, commit, proposals and membership
 * changes. Elsewhere: every comparison of a message's term with this member's ({@link TermRules}), the leader's
 * sending side of replication ({@link Replicator}), linearizable reads and the leader lease ({@link ReadPath}),
 * leadership transfer and the hand-off of a removed leader ({@link LeadershipTransfer}), proposals other
 * members forwarded here ({@link ForwardedProposals}), the election timer and when a leader was last heard
 * ({@link ElectionTimer}; what its firing means stays here), and the output gathered for the next Ready
 * ({@link Outbox}).
 */
public final class RaftNode {
    private static final long NONE = 0;

    private final long id;
    private final RaftConfig config;
    private final RaftLog log;
    private final ProgressTracker tracker;

    // Durable state (HardState).
    private long term;
    private long vote;

    // Volatile state.
    private Role role = Role.FOLLOWER;
    private long leaderId = NONE;
    private long now;
    /** The election timer, and when a leader was last heard (the lease guard). */
    private final ElectionTimer electionTimer;

    private final ReadPath reads;
    /** Leadership transfer, and the hand-off of a leader removed from the configuration. */
    private final LeadershipTransfer transfer;
    /** Proposals other members forwarded here: appended, passed on or held until one of those is possible. */
    private final ForwardedProposals forwarded;

    // Leader state.
    private final UncommittedBudget uncommitted;
    private long pendingConfIndex;
    private long lastHeartbeatAt;
    private boolean appendsPending;
    private boolean commitPending;

    // Output being gathered for the next Ready.
    private final Outbox outbox;
    private final Replicator replicator;
    private HardState lastHardState;
    private SoftState lastSoftState;
    private ConfState changedConfState;

    public RaftNode(RaftConfig config, RaftStorage storage, long now) {
        this.id = config.id();
        this.config = config;
        RaftStorage.InitialState initial = storage.initialState();
        HardState hs = initial.hardState();
        this.term = hs.getTerm();
        this.vote = hs.getVote();
        this.log = new RaftLog(storage, hs.getCommit(), config.applied());
        this.tracker = new ProgressTracker(Configuration.fromConfState(initial.confState()),
                config.maxInflightMessages(), config.maxInflightBytes());
        this.tracker.setConfiguration(tracker.configuration(), log.lastIndex() + 1);
        this.uncommitted = new UncommittedBudget(config.maxUncommittedBytes());
        this.outbox = new Outbox(id, () -> term);
        this.replicator = new Replicator(id, config, log, tracker, outbox);
        // Forwarded reads are numbered from a salt that differs between starts (the seed is drawn per start in the
        // server and the simulation; `now` differs too), so an answer meant for a previous start is never taken.
        this.reads = new ReadPath(config, log, outbox, () -> term,
                new SplittableRandom(config.randomSeed() ^ Long.rotateLeft(now, 32) ^ 0x9E3779B97F4A7C15L).nextLong());
        this.transfer = new LeadershipTransfer(id, config, log, tracker, outbox, replicator);
        this.forwarded = new ForwardedProposals(config, outbox, transfer, this::proposeForwarded);
        this.now = now;
        this.lastHardState = hs;
        this.lastSoftState = softState();
        this.electionTimer = new ElectionTimer(config, now);
    }

    // ------------------------------------------------------------------ inputs

    /** Advances time to {@code now} (monotonic) and fires the timers that are due. */
    public void tick(long nowNanos) {
        if (nowNanos < now) {
            throw new IllegalArgumentException("time went backwards: " + nowNanos + " < " + now);
        }
        now = nowNanos;
        electionTimer.ticked(now);
        reads.expireForwarded(now);
        if (role == Role.LEADER) {
            tickLeader();
        } else if (electionTimer.due(now)) {
            if (withinLeaderLease()) {
                // This member's own timer obeys the guard its votes obey (thesis §6.4.1). Messages are handled at
                // the clock of the last tick, which is stale when the caller was busy between ticks (a burst of
                // queued work, a GC pause, a slow disk read): a heartbeat handled then restarted the timer in the
                // past, so the timer can fire while a leader still counts on this member's acknowledgement of that
                // very heartbeat for its lease. Campaigning then could elect a second leader while the first one
                // answers lease reads (found in review: a stalled follower's raft thread). The guard counts from
                // the tick after the heartbeat, never earlier; the timer starts again from there.
                electionTimer.restartFromLastHeard();
            } else {
                electionTimer.reset(now);
                if (promotable()) {
                    campaign(Campaign.PRE_VOTE);
                }
            }
        }
        forwarded.releaseHeld(role, leaderId, now);
    }

    /** Handles a message from another member. */
    public void step(Message m) {
        stepMessage(m);
        forwarded.releaseHeld(role, leaderId, now);
    }

    private void stepMessage(Message m) {
        switch (TermRules.judge(term, m, withinLeaderLease())) {
            case IGNORE -> {
                return;
            }
            case TELL_STALE_LEADER -> {
                send(reply(m, MessageType.MSG_APPEND_RESPONSE).build());
                return;
            }
            case REJECT_STALE_PRE_VOTE -> {
                send(reply(m, MessageType.MSG_PRE_VOTE_RESPONSE).setReject(true).build());
                return;
            }
            case ADOPT_TERM -> becomeFollower(m.getTerm(), TermRules.fromLeader(m.getType()) ? m.getFrom() : NONE);
            case PROCEED -> { }
        }
        switch (m.getType()) {
            case MSG_PRE_VOTE, MSG_VOTE -> handleVoteRequest(m);
            default -> {
                switch (role) {
                    case LEADER -> stepLeader(m);
                    case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
                    case FOLLOWER -> stepFollower(m);
                }
            }
        }
    }

    /** Proposes a normal entry. Only the leader accepts. */
    public ProposeResult propose(ByteString data) {
        ProposeResult.Refused refused = refuseProposal(data.size());
        if (refused != null) return refused;
        return appendProposal(EntryType.ENTRY_NORMAL, data);
    }

    /**
     * Proposes a normal entry at the leader, or, at a follower that knows the leader, forwards it there (etcd's
     * MsgProp): clients may talk to any member. Safety is unchanged: the leader appends a forwarded entry exactly
     * as its own proposal, subject to the same refusals, and only the committed log says whether it took effect.
     */
    public ProposeResult proposeOrForward(ByteString data) {
        if (role == Role.LEADER || leaderId == NONE) return propose(data);
        if (data.size() > config.maxMessageBytes()) {
            return new ProposeResult.Refused(ProposeResult.Reason.TOO_LARGE, id,
                    "entry of " + data.size() + " bytes exceeds the maximum of " + config.maxMessageBytes());
        }
        // Gathered with the other proposals forwarded before the next Ready into one MSG_PROPOSE.
        outbox.forward(leaderId, Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setData(data).build(),
                config.maxMessageBytes());
        return new ProposeResult.Forwarded(leaderId);
    }

    /**
     * Proposes a membership change. One at a time: refused while an earlier change is not yet applied (thesis
     * §4.1). A learner becomes a voter only once it has caught up with the commit index (etcd's "in sync with
     * leader"), so a promotion never grows the quorum by a member that cannot acknowledge yet (etcd #12227).
     *
     * <p>A member in no configuration may be added as a voter at once (etcd's {@code member add} without
     * {@code --learner}, issue 15). That is safe: it is a change of one voter, so every majority of the old voters
     * overlaps every majority of the new ones (thesis §4.1), and the new member, with an empty log, grants no vote
     * before it has the configuration naming it (handleVoteRequest) and cannot be elected with a log shorter than
     * a majority's. What it costs is availability: until it has caught up the quorum counts a member that cannot
     * acknowledge (3 voters become 4 with a quorum of 3), so the server guards it (etcd's
     * --strict-reconfig-check) and learner first stays the advice (fault 17).
     */
    public ProposeResult proposeConfChange(ConfChange change) {
        ByteString data = change.toByteString();
        ProposeResult.Refused refused = refuseProposal(data.size());
        if (refused != null) return refused;
        if (pendingConfIndex > log.applying()) {
            return new ProposeResult.Refused(ProposeResult.Reason.CONF_CHANGE_PENDING, id,
                    "membership change at index " + pendingConfIndex + " is not applied yet");
        }
        Configuration current = tracker.configuration();
        try {
            ConfChanger.apply(current, change);
        } catch (ConfChanger.InvalidChange e) {
            return new ProposeResult.Refused(ProposeResult.Reason.INVALID_CONF_CHANGE, id, e.getMessage());
        }
        for (ConfChangeSingle single : change.getChangesList()) {
            long member = single.getMemberId();
            // Promoting a learner that is behind: refused (see above). A member in no configuration is a new
            // voter, allowed; the learner half of a joint change leaves its outgoing voters where they are.
            if (single.getType() == ConfChangeType.ADD_VOTER && current.isLearner(member)) {
                Progress p = tracker.get(member);
                if (p == null || p.match() < log.committed()) {
                    return new ProposeResult.Refused(ProposeResult.Reason.INVALID_CONF_CHANGE, id,
                            "learner " + member + " must catch up with the log before it can vote "
                                    + "(its match " + (p == null ? 0 : p.match()) + " < commit " + log.committed() + ")");
                }
            }
        }
        ProposeResult result = appendProposal(EntryType.ENTRY_CONF_CHANGE, data);
        pendingConfIndex = log.lastIndex();
        return result;
    }

    /**
     * Asks for a linearizable read. The answer comes in a later Ready's readStates with the same readId: the index
     * the state machine must have applied before the read is executed (thesis §6.4), or a rejection.
     */
    public void read(long readId) {
        if (role == Role.LEADER) {
            reads.leaderRead(readId, ReadPath.LOCAL, now);
        } else if (leaderId != NONE) {
            reads.forward(readId, leaderId, now);
        } else {
            reads.reject(readId);
        }
    }

    /**
     * Starts handing leadership to {@code target} (thesis §3.10): proposals are refused meanwhile, the target is
     * brought up to date, then told to campaign at once. Aborted after an election timeout.
     */
    public ProposeResult transferLeadership(long target) {
        if (role != Role.LEADER) {
            return new ProposeResult.Refused(ProposeResult.Reason.NOT_LEADER, leaderId, "not the leader");
        }
        if (!tracker.configuration().isVoter(target)) {
            return new ProposeResult.Refused(ProposeResult.Reason.INVALID_CONF_CHANGE, id,
                    "member " + target + " is not a voter");
        }
        if (target == id || target == transfer.target()) {
            return new ProposeResult.Accepted(log.lastIndex(), term);
        }
        reads.forbidLeaseForTerm(); // the target's campaign ignores the lease guard: see there
        transfer.start(target, now, reads.currentRound());
        return new ProposeResult.Accepted(log.lastIndex(), term);
    }

    /**
     * The caller's monotonic clock may have stood still while real time went on (a suspended VM, seen as the wall
     * clock jumping ahead of the monotonic one): the leader lease ends, and only rounds started from now on may
     * earn it again (see ReadMode.LEASE for the clock assumption this protects).
     */
    public void clockMayHaveStopped() {
        reads.clockMayHaveStopped(now);
    }

    /** The caller durably wrote everything in {@code ready} (and in every earlier Ready). */
    public void persisted(Ready ready) {
        if (ready.snapshot() != null) {
            log.stableSnapshotTo(ready.snapshot().getIndex());
        }
        Entry last = ready.lastEntry();
        if (last != null) {
            log.stableTo(last.getIndex(), last.getTerm());
        }
        if (role == Role.LEADER) {
            // The leader's own durable log counts as its acknowledgement (thesis §10.2.1).
            Progress self = tracker.get(id);
            if (self != null && self.acknowledge(log.persistedIndex())) {
                maybeCommit();
            }
        } else if (role == Role.CANDIDATE && ready.hardState() != null
                && ready.hardState().getTerm() == term && ready.hardState().getVote() == id) {
            // A candidate counts its own vote only once it is durable: a crash before that, then a vote for
            // someone else in the same term, would otherwise elect two leaders in one term (thesis §3.8). With other
            // voters the requests wait for the write anyway; a single voter needs no answer (scenario 34).
            tracker.recordVote(id, true);
            tallyVotes(Campaign.VOTE);
        }
    }

    /** The state machine applied everything up to {@code index}. */
    public void applied(long index) {
        log.appliedTo(index);
    }

    /** The transport could not deliver a snapshot to {@code member}: probe again from its last known match. */
    public void reportSnapshot(long member, boolean delivered) {
        if (role != Role.LEADER) return;
        Progress p = tracker.get(member);
        if (p == null || p.state() != ProgressState.SNAPSHOT) return;
        if (delivered) {
            p.becomeProbe(); // wait for the follower's acknowledgement, probing after the snapshot
        } else {
            p.abortSnapshot();
        }
    }

    // ------------------------------------------------------------------ output

    public boolean hasReady() {
        // Called once per input on the hot path: it compares fields and copies nothing.
        return !outbox.isEmpty() || log.hasEntriesToPersist() || log.snapshotToPersist() != null
                || termOrVoteChanged() || softStateChanged()
                || log.hasNextCommittedEntries() || changedConfState != null
                || (role == Role.LEADER && (appendsPending || commitPending || reads.roundWanted()));
    }

    /** Everything the caller has to do now; see {@link Ready} for the contract. */
    public Ready ready() {
        if (role == Role.LEADER) {
            flushLeader();
        }
        List<Entry> entries = log.entriesToPersist();
        SnapshotMetadata snapshot = log.snapshotToPersist();
        log.acceptInProgress();
        // What is written, and with which hard state, is decided here once for every caller (the server, the
        // simulation, the scenario harness): see Ready#hardState. The commit index alone is volatile (thesis
        // Figure 3.1), so a Ready that only moves it is not written; but every write carries the newest commit
        // index. A restarted member takes its configuration from the committed membership changes it knows of, so
        // a write of entries that left the commit index behind could bring it back with a configuration two
        // changes old, whose majorities need not overlap the current one's (found in review: add learner 4,
        // promote 4, remove 3, partition {1,4} | {2,3}, crash 2: a committed entry was lost).
        HardState hsOut = null;
        if (termOrVoteChanged() || !entries.isEmpty() || snapshot != null) {
            hsOut = hardState();
            lastHardState = hsOut;
        }
        List<Entry> committed = log.nextCommittedEntries(config.maxApplyBytes());
        if (!committed.isEmpty()) {
            log.acceptApplying(committed.get(committed.size() - 1).getIndex());
            for (Entry e : committed) {
                if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
                    applyConfChange(e);
                }
            }
            if (role == Role.LEADER) {
                maybeLeaveJoint();
                flushLeader(); // a change may have made more sendable or committable
            } else if (transfer.campaignDeferred() && promotable()) {
                transfer.dropDeferredCampaign();
                campaign(Campaign.TRANSFER);
            }
        }
        SoftState ssOut = null;
        if (softStateChanged()) {
            ssOut = softState();
            lastSoftState = ssOut;
        }
        Ready r = new Ready(hsOut, entries, snapshot, outbox.takeMessages(), outbox.takeMessagesAfterPersist(),
                committed, outbox.takeReads(), changedConfState, ssOut);
        changedConfState = null;
        return r;
    }

    // ------------------------------------------------------------------ inspection

    public long id() {
        return id;
    }

    public Role role() {
        return role;
    }

    public long term() {
        return term;
    }

    public long leaderId() {
        return leaderId;
    }

    public long now() {
        return now;
    }

    /** Read-only view of the log, for inspection and tests. */
    public RaftLog log() {
        return log;
    }

    public Configuration configuration() {
        return tracker.configuration();
    }

    /** Replication progress of a member as seen by this leader (null when not leader or unknown member). */
    public Progress progress(long member) {
        return role == Role.LEADER ? tracker.get(member) : null;
    }

    /** The local monotonic time at which the lease ends, or Long.MIN_VALUE when this member holds none. */
    public long leaseExpiresAt() {
        return role == Role.LEADER ? reads.leaseExpiresAt() : Long.MIN_VALUE;
    }

    /** The member leadership is being transferred to, or 0. */
    public long transferee() {
        return transfer.target();
    }

    /** Whether term or vote differ from the hard state last handed out for writing: they must be written. */
    private boolean termOrVoteChanged() {
        return term != lastHardState.getTerm() || vote != lastHardState.getVote();
    }

    private boolean softStateChanged() {
        return role != lastSoftState.role() || leaderId != lastSoftState.leaderId() || term != lastSoftState.term();
    }

    public HardState hardState() {
        return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(log.committed()).build();
    }

    public SoftState softState() {
        return new SoftState(role, leaderId, term);
    }

    @Override
    public String toString() {
        return "node " + id + " " + role + " term=" + term + " leader=" + leaderId + " " + log;
    }

    // ------------------------------------------------------------------ roles

    private enum Campaign { PRE_VOTE, VOTE, TRANSFER }

    private boolean promotable() {
        // A member still installing a snapshot could not serve the log it claims to hold: it waits. (Its vote
        // request would name the snapshot's last entry, but until the snapshot is durable and applied a crash or a
        // win would leave it leading with a log whose prefix it does not have; etcd's raft refuses to campaign with
        // a pending snapshot for the same reason; scenario 33.)
        return tracker.configuration().isVoter(id) && !hasUnappliedConfChange() && log.snapshotToInstall() == null;
    }

    /**
     * A member that has committed but not yet applied a membership change would campaign with a stale view of who
     * votes (configurations take effect when applied here, etcd's way, not when appended as in thesis §4.1): it
     * could count the votes of a majority the committed change already replaced. It waits until the change is
     * applied, as etcd's raft does ("cannot campaign ... since there are still pending configuration changes to
     * apply"). Scenario 32.
     */
    private boolean hasUnappliedConfChange() {
        // Entries covered by a snapshot brought their configuration with it.
        long from = Math.max(log.applying() + 1, log.firstIndex());
        if (from > log.committed()) return false;
        for (Entry e : log.slice(from, log.committed() + 1, Long.MAX_VALUE)) {
            if (e.getType() == EntryType.ENTRY_CONF_CHANGE) return true;
        }
        return false;
    }

    /** Whether a leader may be relying on this member's acknowledgement for its lease (see TermRules). */
    private boolean withinLeaderLease() {
        return role == Role.LEADER || electionTimer.leaderMayCountOnThisMember(now);
    }

    private void becomeFollower(long newTerm, long leader) {
        if (role == Role.LEADER) {
            abandonLeadership();
        }
        if (newTerm != term || leader != leaderId) {
            reads.rejectForwarded();
        }
        if (newTerm != term) {
            term = newTerm;
            vote = NONE;
        }
        role = Role.FOLLOWER;
        leaderId = leader;
        transfer.dropDeferredCampaign();
        tracker.resetVotes();
        electionTimer.reset(now);
    }

    private void abandonLeadership() {
        reads.leadershipLost();
        transfer.clear();
        appendsPending = false;
        commitPending = false;
        uncommitted.reset();
    }

    private void campaign(Campaign kind) {
        reads.rejectForwarded();
        long voteTerm;
        if (kind == Campaign.PRE_VOTE) {
            role = Role.PRE_CANDIDATE;
            leaderId = NONE;
            voteTerm = term + 1;
            tracker.resetVotes();
            // Pre-voting changes no durable state, so this member's own pre-vote counts at once.
            tracker.recordVote(id, true);
        } else {
            role = Role.CANDIDATE;
            leaderId = NONE;
            term++;
            vote = id;
            voteTerm = term;
            tracker.resetVotes();
        }
        electionTimer.reset(now);
        MessageType type = kind == Campaign.PRE_VOTE ? MessageType.MSG_PRE_VOTE : MessageType.MSG_VOTE;
        for (long voter : tracker.configuration().members()) {
            if (voter == id || !tracker.configuration().isVoter(voter)) continue;
            Message request = Message.newBuilder().setType(type).setFrom(id).setTo(voter).setTerm(voteTerm)
                    .setIndex(log.lastIndex()).setLogTerm(log.lastTerm())
                    .setTransfer(kind == Campaign.TRANSFER).build();
            if (kind == Campaign.PRE_VOTE) {
                send(request); // a pre-vote changes no durable state
            } else {
                // Vote requests leave only once the new term and self-vote are durable (thesis §3.8: persist
                // before sending RPCs). Otherwise the others' votes alone could elect this member, a crash could
                // lose its term, and after a restart it could win the same term a second time with a different
                // log: two leaders, one member, one term (found by simulation seed 3792).
                outbox.sendAfterPersist(request);
            }
        }
        if (kind == Campaign.PRE_VOTE) {
            tallyVotes(kind);
        }
    }

    private void tallyVotes(Campaign kind) {
        VoteResult result = tracker.tallyVotes();
        if (result == VoteResult.WON) {
            if (kind == Campaign.PRE_VOTE) {
                campaign(Campaign.VOTE);
            } else {
                becomeLeader();
            }
        } else if (result == VoteResult.LOST) {
            becomeFollower(term, NONE);
        }
    }

    private void becomeLeader() {
        role = Role.LEADER;
        leaderId = id;
        tracker.resetProgress(log.lastIndex() + 1);
        tracker.get(id).acknowledge(log.persistedIndex());
        tracker.get(id).becomeReplicate();
        tracker.heardFromAll(now);
        // Whether the log holds an unapplied membership change is unknown; allow none until all is applied.
        pendingConfIndex = log.lastIndex();
        reads.becameLeader();
        transfer.clear();
        uncommitted.reset();
        lastHeartbeatAt = now;
        // An empty entry of the new term: committing it commits everything before it (thesis §3.6.2), and until
        // it commits the leader does not know its commit index, so it answers no read (§6.4).
        log.append(List.of(Entry.newBuilder().setTerm(term).setIndex(log.lastIndex() + 1).build()));
        appendsPending = true;
    }

    // ------------------------------------------------------------------ votes

    private void handleVoteRequest(Message m) {
        boolean preVote = m.getType() == MessageType.MSG_PRE_VOTE;
        MessageType responseType = preVote ? MessageType.MSG_PRE_VOTE_RESPONSE : MessageType.MSG_VOTE_RESPONSE;
        if (!tracker.configuration().members().contains(id)) {
            // A member that does not find itself in its configuration knows nothing it could vouch for: a wiped
            // data directory restarted under its old id has an empty log and no configuration, and its vote could
            // elect a leader that lacks a committed entry it once acknowledged (amnesia; found in review). A
            // learner about to be promoted is in its configuration and votes; a member not yet caught up, or
            // removed, is needed by no quorum that knows the configuration it is counted in.
            send(reply(m, responseType).setReject(true).build());
            return;
        }
        boolean canVote = vote == m.getFrom()
                || (vote == NONE && leaderId == NONE)
                || TermRules.isPreVoteForLaterTerm(term, m);
        if (canVote && log.isUpToDate(m.getIndex(), m.getLogTerm())) {
            // A granted pre-vote answers in the proposed term, so the candidate does not mistake it for news.
            Message grant = reply(m, responseType).setTerm(m.getTerm()).build();
            if (preVote) {
                send(grant);
            } else {
                vote = m.getFrom();
                electionTimer.reset(now);
                // The vote must be on disk before the candidate may count it.
                outbox.sendAfterPersist(grant);
            }
        } else {
            send(reply(m, responseType).setReject(true).build());
        }
    }

    private void stepCandidate(Message m) {
        switch (m.getType()) {
            case MSG_APPEND, MSG_HEARTBEAT, MSG_SNAPSHOT -> {
                // A leader of this very term exists: it won, this member lost.
                becomeFollower(m.getTerm(), m.getFrom());
                stepFollower(m);
            }
            case MSG_PRE_VOTE_RESPONSE -> {
                if (role == Role.PRE_CANDIDATE) {
                    tracker.recordVote(m.getFrom(), !m.getReject());
                    tallyVotes(Campaign.PRE_VOTE);
                }
            }
            case MSG_VOTE_RESPONSE -> {
                if (role == Role.CANDIDATE) {
                    tracker.recordVote(m.getFrom(), !m.getReject());
                    tallyVotes(Campaign.VOTE);
                }
            }
            case MSG_PROPOSE -> forwarded.arrivedAtNonLeader(m, role, leaderId, now);
            default -> { }
        }
    }

    // ------------------------------------------------------------------ follower

    private void stepFollower(Message m) {
        switch (m.getType()) {
            case MSG_APPEND -> {
                heardFromLeader(m.getFrom());
                handleAppend(m);
            }
            case MSG_HEARTBEAT -> {
                heardFromLeader(m.getFrom());
                log.commitTo(Math.min(m.getCommit(), log.lastIndex()));
                send(reply(m, MessageType.MSG_HEARTBEAT_RESPONSE).setRound(m.getRound())
                        .setCommit(log.committed()).build());
            }
            case MSG_SNAPSHOT -> {
                heardFromLeader(m.getFrom());
                handleSnapshot(m);
            }
            case MSG_TIMEOUT_NOW -> {
                // The leader sends this only once our log matches all of its own, so its commit index is safe to
                // take. Knowing it matters when the leader is handing over because it was removed: the change
                // must apply here before this member campaigns with the right set of voters.
                log.commitTo(Math.min(m.getCommit(), log.lastIndex()));
                if (promotable()) {
                    campaign(Campaign.TRANSFER);
                } else {
                    transfer.deferCampaign();
                }
            }
            case MSG_READ_INDEX_RESPONSE -> reads.forwardedAnswer(m);
            case MSG_PROPOSE -> forwarded.arrivedAtNonLeader(m, role, leaderId, now);
            default -> { }
        }
    }

    private void heardFromLeader(long leader) {
        leaderId = leader;
        electionTimer.heardFromLeader(now);
    }

    private void handleAppend(Message m) {
        if (m.getIndex() < log.committed()) {
            outbox.sendAfterPersist(reply(m, MessageType.MSG_APPEND_RESPONSE)
                    .setIndex(log.committed()).setRound(m.getRound()).setCommit(log.committed()).build());
            return;
        }
        long lastNew = log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(), m.getEntriesList());
        if (lastNew >= 0) {
            // Promises the entries are durable: sent only after they are persisted.
            outbox.sendAfterPersist(reply(m, MessageType.MSG_APPEND_RESPONSE)
                    .setIndex(lastNew).setRound(m.getRound()).setCommit(log.committed()).build());
        } else {
            long[] hint = log.findConflictByTerm(Math.min(m.getIndex(), log.lastIndex()), m.getLogTerm());
            send(reply(m, MessageType.MSG_APPEND_RESPONSE).setIndex(m.getIndex()).setReject(true)
                    .setRejectHint(hint[0]).setRejectHintTerm(hint[1]).setRound(m.getRound()).build());
        }
    }

    private void handleSnapshot(Message m) {
        SnapshotMetadata snap = m.getSnapshot();
        long ackIndex;
        if (snap.getIndex() <= log.committed()) {
            ackIndex = log.committed();
        } else if (log.matchTerm(snap.getIndex(), snap.getTerm())) {
            // The log already holds the snapshot's last entry: only the commit index needs to move.
            log.commitTo(snap.getIndex());
            ackIndex = snap.getIndex();
        } else {
            log.restore(snap);
            Configuration conf = Configuration.fromConfState(snap.getConfState());
            tracker.setConfiguration(conf, log.lastIndex() + 1);
            changedConfState = snap.getConfState();
            ackIndex = snap.getIndex();
        }
        // Like an append's acknowledgement it promises durability (thesis §3.8, Figure 3.1: persist before
        // responding): the leader counts the snapshot's index toward commit for this member.
        outbox.sendAfterPersist(reply(m, MessageType.MSG_APPEND_RESPONSE).setIndex(ackIndex)
                .setCommit(log.committed()).build());
    }

    // ------------------------------------------------------------------ leader

    private void tickLeader() {
        if (transfer.abortIfOverdue(now) && transfer.removed()) {
            handOffAfterRemoval(); // removed: try again, perhaps with another member
        }
        if (transfer.removed() && !transfer.inProgress()) {
            // Waiting until the remaining voters can elect a successor (maybeHandOffAfterRemoval). Check-quorum
            // does not end the wait: stepping down now would strand them the same way (seeds 30499, 61280), and
            // this leader commits nothing of its own, serves no lease (forbidden when it was removed) and only
            // answers reads a quorum of the new configuration confirmed.
            maybeHandOffAfterRemoval();
        } else if (!tracker.quorumActive(id, now, config.electionTimeout())) {
            // Check-quorum (thesis §6.2): a leader that has not heard from a quorum within an election timeout
            // steps down, so clients fail over to the majority side instead of waiting on a leader that can
            // commit nothing. A sliding window, checked every tick, so it acts one election timeout after the
            // last answer, not up to two.
            becomeFollower(term, NONE);
            return;
        }
        if (now - lastHeartbeatAt >= config.heartbeatInterval()) {
            lastHeartbeatAt = now;
            broadcastHeartbeat();
        }
    }

    private void stepLeader(Message m) {
        Progress p = tracker.get(m.getFrom());
        switch (m.getType()) {
            case MSG_APPEND_RESPONSE -> {
                if (p == null) return;
                p.heardAt(now);
                p.reportedCommit(m.getCommit());
                ackRound(p, m.getRound());
                if (m.getReject()) {
                    replicator.onRejection(m, p, reads.currentRound());
                } else if (replicator.onAck(m, p)) {
                    maybeCommit();
                    replicator.fillPipe(m.getFrom(), reads.currentRound());
                    transfer.acknowledged(m.getFrom(), p);
                }
                maybeHandOffAfterRemoval();
            }
            case MSG_HEARTBEAT_RESPONSE -> {
                if (p == null) return;
                p.heardAt(now);
                p.reportedCommit(m.getCommit());
                ackRound(p, m.getRound());
                replicator.onHeartbeatAnswer(m.getFrom(), p, reads.currentRound());
                maybeHandOffAfterRemoval();
            }
            case MSG_READ_INDEX -> reads.leaderRead(m.getReadId(), m.getFrom(), now);
            case MSG_PROPOSE -> forwarded.arrivedAtLeader(m, now);
            default -> { }
        }
    }

    private void maybeCommit() {
        long before = log.committed();
        if (log.maybeCommit(tracker.committedIndex(), term)) {
            uncommitted.committedTo(log.committed());
            commitPending = true;
            if (before < log.committed()) {
                reads.commitAdvanced(now);
            }
        }
    }

    private void ackRound(Progress p, long round) {
        if (round == 0) return;
        p.ackRound(round);
        reads.confirm(tracker.quorumRound());
    }

    private void broadcastHeartbeat() {
        long round = reads.startRound(now);
        Progress self = tracker.get(id);
        if (self != null) self.ackRound(round); // null once removed from the configuration
        replicator.broadcastHeartbeat(round);
        reads.confirm(tracker.quorumRound());
    }

    /** Sends what accumulated since the last Ready: one round for waiting reads, one append per follower. */
    private void flushLeader() {
        if (reads.roundWanted()) {
            lastHeartbeatAt = now;
            broadcastHeartbeat();
        }
        if (appendsPending || commitPending) {
            boolean withCommit = commitPending;
            appendsPending = false;
            commitPending = false;
            replicator.broadcastAppend(withCommit, reads.currentRound());
        }
    }

    private ProposeResult.Refused refuseProposal(long size) {
        if (role != Role.LEADER) {
            return new ProposeResult.Refused(ProposeResult.Reason.NOT_LEADER, leaderId, "not the leader");
        }
        if (transfer.inProgress()) {
            return new ProposeResult.Refused(ProposeResult.Reason.LEADERSHIP_TRANSFER, transfer.target(),
                    "leadership is being transferred to " + transfer.target());
        }
        if (transfer.removed()) {
            return new ProposeResult.Refused(ProposeResult.Reason.LEADERSHIP_TRANSFER, NONE,
                    "this leader was removed from the configuration and is handing leadership over");
        }
        if (size > config.maxMessageBytes()) {
            return new ProposeResult.Refused(ProposeResult.Reason.TOO_LARGE, id,
                    "entry of " + size + " bytes exceeds the maximum of " + config.maxMessageBytes());
        }
        if (!uncommitted.admits(size)) {
            return new ProposeResult.Refused(ProposeResult.Reason.OVERLOADED, id,
                    uncommitted.bytes() + " bytes are uncommitted (limit " + config.maxUncommittedBytes() + ")");
        }
        return null;
    }

    /** A forwarded proposal at this leader: appended as its own would be, or dropped if that would be refused. */
    private void proposeForwarded(ByteString data) {
        if (refuseProposal(data.size()) == null) appendProposal(EntryType.ENTRY_NORMAL, data);
    }

    private ProposeResult appendProposal(EntryType type, ByteString data) {
        long index = log.lastIndex() + 1;
        log.append(List.of(Entry.newBuilder().setTerm(term).setIndex(index).setType(type).setData(data).build()));
        uncommitted.add(index, data.size());
        appendsPending = true;
        return new ProposeResult.Accepted(index, term);
    }

    // ------------------------------------------------------------------ configuration

    /**
     * Applies a committed membership change (every member does, in log order, so all reach the same
     * configuration).
     */
    private void applyConfChange(Entry e) {
        ConfChange change;
        Configuration next;
        try {
            change = ConfChange.parseFrom(e.getData());
            next = ConfChanger.apply(tracker.configuration(), change);
        } catch (InvalidProtocolBufferException | ConfChanger.InvalidChange ex) {
            // The leader validated this change against the same configuration; failing now means the members'
            // configurations diverged. Going on could decide with the wrong quorum.
            throw new IllegalStateException("committed membership change at index " + e.getIndex()
                    + " cannot be applied: " + ex.getMessage(), ex);
        }
        tracker.setConfiguration(next, log.lastIndex() + 1, now); // a member added now gets a full check-quorum window
        changedConfState = next.toConfState();
        transfer.configurationChanged(next);
        if (role != Role.LEADER) return;
        maybeCommit(); // the quorum changed
        appendsPending = true;
        if (transfer.leaderRemovedBy(next, e.getIndex())) {
            reads.forbidLeaseForTerm(); // it no longer counts itself, and its successor may campaign at any time
            maybeHandOffAfterRemoval();
        }
    }

    /** Hands leadership over once a removed leader may (see {@link LeadershipTransfer#removalHandOffDue}). */
    private void maybeHandOffAfterRemoval() {
        if (role == Role.LEADER && transfer.removalHandOffDue()) {
            handOffAfterRemoval();
        }
    }

    /**
     * A removed leader hands leadership over like a transfer, to the successor {@link LeadershipTransfer} chooses
     * (why not step down at once: see there), or steps down when no voter remains to take over.
     */
    private void handOffAfterRemoval() {
        long target = transfer.successorAfterRemoval(tracker.configuration());
        if (target == NONE) {
            becomeFollower(term, NONE);
            return;
        }
        transferLeadership(target);
    }

    /**
     * Leaving an auto-leave joint configuration needs no caller action: the leader proposes it once everything up
     * to its last membership change is applied. Waiting for pendingConfIndex matters: a new leader may hold an
     * earlier leader's leave entry, and two leaves would make the second one invalid.
     */
    private void maybeLeaveJoint() {
        Configuration c = tracker.configuration();
        if (c.isJoint() && c.autoLeave() && pendingConfIndex <= log.applying()) {
            appendProposal(EntryType.ENTRY_CONF_CHANGE, ConfChange.getDefaultInstance().toByteString());
            pendingConfIndex = log.lastIndex();
        }
    }

    // ------------------------------------------------------------------ messages

    private Message.Builder message(long to, MessageType type) {
        return outbox.message(to, type);
    }

    private Message.Builder reply(Message m, MessageType type) {
        return message(m.getFrom(), type);
    }

    private void send(Message m) {
        outbox.send(m);
    }
}
