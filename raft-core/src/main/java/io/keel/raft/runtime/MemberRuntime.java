package io.keel.raft.runtime;

import com.google.protobuf.ByteString;
import io.keel.raft.ProposeResult;
import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Drives one {@link RaftNode} through raft-core's Ready contract, the one place that does so: persist before
 * sending what promises durability, apply only what is durable, answer a write only once its entry applied at its
 * (index, term), answer a read only once the read index applied (a lease read re-checked after it executed),
 * publish the lease before a step's messages leave, install a snapshot before the Ready carrying it is written,
 * complete forwarded writes when their tagged entry applies, park requests while no leader is known, and stop for
 * good when a write fails.
 *
 * <p>Pure like the rest of raft-core: no threads, sockets, files or clocks of its own. It talks to its
 * {@link LogStore}, {@link StateMachine}, {@link Transport} and {@link Clock}, and runs each stage on the executor
 * {@link Stages} gives it: the server's threads, or the simulation's seeded scheduler. Every public method except
 * {@link #lease()} and {@link #stop} must be called on the raft stage.
 *
 * @param <R> the state machine's result per entry
 */
public final class MemberRuntime<R> {
    /**
     * Bounds of what may wait inside the runtime. {@code maxPendingRequests}: beyond it a request is refused
     * OVERLOADED (a flood of clients never grows the heap without bound). {@code leaderWaitNanos}: how long a
     * request waits for a leader to become known, at most (and never past its own deadline).
     */
    public record Limits(int maxPendingRequests, long leaderWaitNanos) {
    }

    private final RaftNode node;
    private final LogStore log;
    private final StateMachine<R> machine;
    private final Transport transport;
    private final Clock clock;
    private final Stages stages;
    private final Limits limits;
    private final RuntimeObserver observer;
    private final PersistQueue persist;
    private final PendingWrites<R> writes = new PendingWrites<>();
    private final PendingReads reads = new PendingReads();
    private final LeaderWait leaderWait = new LeaderWait();
    /** Request ids of forwarded writes: a driver starts them at a fresh value per process start. */
    private long nextRequest;
    private long knownLeader;
    /** Raft stage: the state machine applied at least this far (its own index: may pass Raft's after a snapshot). */
    private long applied;
    private boolean driving;
    /** Inside {@link #batch}: inputs gather in the node and become one Ready at its end. */
    private int batching;
    private volatile boolean stopped;
    private volatile Throwable failure;
    private volatile PublishedLeaderLease lease = PublishedLeaderLease.NONE;
    /** Raft stage: the last committed entry handed to the apply stage. */
    private long handedToApply;
    /**
     * Published by the raft stage at the end of every drive, read by the persist completion: whether the node needs
     * the next durable write handed back at once (PersistQueue's class comment).
     */
    private volatile boolean raftWaitsForDurable = true;
    /** Apply stage writes, raft stage reads: the last entry the state machine applied ({@link #takeApplied}). */
    private volatile long machineApplied;
    /**
     * Published by the raft stage at the end of every drive, read by the apply stage: whether a confirmed read waits
     * for the state machine to apply its index (then an applied batch's hand-back wakes the raft stage).
     */
    private volatile boolean readsWaitForApply;
    /** A deferred {@link #takeApplied} is queued and has not started: one is enough, it takes the newest index. */
    private final AtomicBoolean appliedHandBackQueued = new AtomicBoolean();
    /** Whether the stages give a raft stage that runs tasks without being woken ({@link Stages#raftDeferred}). */
    private final boolean deferrable;

    public MemberRuntime(RaftNode node, LogStore log, StateMachine<R> machine, Transport transport, Clock clock,
                         Stages stages, Limits limits, RuntimeObserver observer, long firstRequestId) {
        this.node = node;
        this.log = log;
        this.machine = machine;
        this.transport = transport;
        this.clock = clock;
        this.stages = stages;
        this.limits = limits;
        this.observer = observer;
        this.nextRequest = firstRequestId;
        this.applied = node.log().applied();
        this.handedToApply = node.log().applied(); // the node hands out what follows it
        this.machineApplied = node.log().applied();
        this.deferrable = stages.raftDeferred() != stages.raft();
        this.persist = new PersistQueue(log, transport, stages, this::onRaftStage, this::onRaftStageDeferred,
                () -> raftWaitsForDurable, this::durable, this::failStop);
    }

    // ------------------------------------------------------------------ inputs (raft stage)

    /** Hands out what the node has to do after it was built (a restarted member may have committed entries). */
    public void start() {
        drive();
    }

    /**
     * Runs several inputs (proposals, messages, reads) and drives the node once at the end, so they become one
     * Ready: one write, one append per follower (the server's raft thread runs up to 256 queued tasks so). Every
     * input method drives at once when called outside a batch.
     */
    public void batch(Runnable inputs) {
        batching++;
        try {
            inputs.run();
        } finally {
            batching--;
        }
        drive();
    }

    /** A tick at the clock's now; also expires requests whose deadline passed. */
    public void tick() {
        if (stopped) return;
        long now = clock.now();
        node.tick(now);
        noticeSuspension();
        writes.expire(now);
        reads.expire(now);
        leaderWait.expire(now, node.id());
        drive();
    }

    public void step(Message message) {
        if (stopped) return;
        node.step(message);
        drive();
    }

    /**
     * Proposes a write at the leader, forwards it from a follower (if {@code options} allow), or parks it while no
     * leader is known. {@code completion} gets the state machine's result for its entry once applied here, or a
     * refusal. {@code deadline}: the clock's time after which it is answered UNKNOWN (or NO_LEADER while parked).
     */
    public Admission propose(ByteString data, WriteOptions options, long deadline, Completion<R> completion) {
        if (refusedAtAdmission(completion)) return Admission.REFUSED;
        Admission a = proposeNow(data, options, deadline, completion);
        drive();
        return a;
    }

    /** How a write was taken in. */
    public enum Admission {
        PROPOSED, FORWARDED, PARKED, REFUSED,
        /** Its caller had already ended it ({@link Completion#proceed} said no): nothing was done. */
        DROPPED
    }

    /**
     * Proposes {@code data} only if, on the raft stage right now, this member leads and holds its leader lease (a
     * quorum answered it within the lease); otherwise refuses NOT_LEADER at once. Never forwarded, never parked.
     * How a lessor proposes a lease's expiry: a leader cut off from the quorum, whose clock says a lease ran out
     * while the new leader keeps it alive, must not revoke it (etcd #12528, #15247); one it proposed just before it
     * was cut off applies only if a quorum commits it.
     */
    public Admission proposeWithLeaderLease(ByteString data, long deadline, Completion<R> completion) {
        if (refusedAtAdmission(completion)) return Admission.REFUSED;
        noticeSuspension(); // a suspension ends the lease before it is judged, as before a publication
        long now = clock.now();
        if (node.role() != Role.LEADER || !new PublishedLeaderLease(node.leaseExpiresAt(), node.term())
                .holds(node.term(), now)) {
            completion.refused(new Refusal(Refusal.Kind.NOT_LEADER, node.leaderId(), "member "
                    + Long.toHexString(node.id()) + " does not hold the leader lease"));
            return Admission.REFUSED;
        }
        if (!completion.proceed(Completion.Step.PROPOSED)) return Admission.DROPPED;
        Admission a = registerProposal(node.propose(data), deadline, completion);
        drive();
        return a;
    }

    /**
     * The check every request opens with, on the raft stage: refused (and answered) when the runtime stopped, or
     * when {@link Limits#maxPendingRequests} requests already wait (back-pressure: a flood of clients never grows
     * the heap without bound).
     */
    private boolean refusedAtAdmission(Completion<?> completion) {
        if (stopped) {
            completion.refused(stoppedRefusal());
            return true;
        }
        if (pendingRequests() >= limits.maxPendingRequests()) {
            completion.refused(overloaded());
            return true;
        }
        return false;
    }

    private Refusal overloaded() {
        return new Refusal(Refusal.Kind.OVERLOADED, node.leaderId(), "member " + Long.toHexString(node.id())
                + " has " + pendingRequests() + " requests waiting, its maximum");
    }

    private Admission proposeNow(ByteString data, WriteOptions options, long deadline, Completion<R> completion) {
        if (noLeaderKnown()) {
            if (!completion.proceed(Completion.Step.LEADER_WAIT)) return Admission.DROPPED;
            leaderWait.park(leaderWaitDeadline(deadline), completion,
                    () -> proposeNow(data, options, deadline, completion));
            return Admission.PARKED;
        }
        if (node.role() == Role.LEADER) {
            if (!completion.proceed(Completion.Step.PROPOSED)) return Admission.DROPPED;
            return registerProposal(node.propose(data), deadline, completion);
        }
        if (!options.forward()) {
            completion.refused(new Refusal(Refusal.Kind.NOT_LEADER, node.leaderId(), "member "
                    + Long.toHexString(node.id()) + " is not the leader"));
            return Admission.REFUSED;
        }
        if (!completion.proceed(Completion.Step.FORWARDED)) return Admission.DROPPED;
        // The follower recognises its forwarded write by its origin tag when it applies it.
        long request = nextRequest++;
        ByteString tagged = machine.tagOrigin(data, node.id(), request);
        ProposeResult r = node.proposeOrForward(tagged);
        if (r instanceof ProposeResult.Forwarded) {
            writes.forwarded(request, completion, deadline, options.mayApplyTwice() ? tagged : null);
            return Admission.FORWARDED;
        }
        // Otherwise it became leader meanwhile (proposed as its own), or the node refused it.
        return registerProposal(r, deadline, completion);
    }

    /**
     * The node's answer to a proposal made here: an accepted entry waits in {@link PendingWrites} for its (index,
     * term) to apply; a refusal is answered at once.
     */
    private Admission registerProposal(ProposeResult r, long deadline, Completion<R> completion) {
        if (r instanceof ProposeResult.Accepted a) {
            writes.accepted(a.index(), a.term(), completion, deadline);
            return Admission.PROPOSED;
        }
        completion.refused(Refusal.of((ProposeResult.Refused) r));
        return Admission.REFUSED;
    }

    /**
     * A linearizable read: {@code query} runs on the read stage once the state machine applied the read index
     * confirmed by a round (or a lease). Refused READ_REJECTED when no leader confirms it. {@code query} must not
     * throw: the read stage's tasks are guarded like every stage's, so a throw stops the runtime (fail-stop). A
     * driver whose queries can fail for the request alone (the server's range at a compacted revision) returns the
     * failure inside its answer.
     */
    public <T> void read(Supplier<T> query, long deadline, Completion<ReadAnswer<T>> completion) {
        if (refusedAtAdmission(completion)) return;
        PendingReads.Read<T> read = new PendingReads.Read<>(query, completion, deadline);
        if (noLeaderKnown()) {
            leaderWait.park(leaderWaitDeadline(deadline), completion, () -> askNode(read));
        } else {
            askNode(read);
        }
        drive();
    }

    /** No leader known: a candidate, a follower between leaders, a member just started. */
    private boolean noLeaderKnown() {
        return node.role() != Role.LEADER && node.leaderId() == 0;
    }

    private long leaderWaitDeadline(long deadline) {
        long wait = clock.now() + limits.leaderWaitNanos();
        return wait - deadline < 0 ? wait : deadline;
    }

    private void askNode(PendingReads.Read<?> read) {
        node.read(reads.register(read));
    }

    /**
     * Proposes a membership change at this member, which must lead (never forwarded or parked: a client changing
     * membership asks the leader); {@code completion} is answered once its entry applied here, or refused (NOT_LEADER,
     * CONF_CHANGE_PENDING while another change is pending, INVALID_CONF_CHANGE when this one is not allowed).
     */
    public Admission proposeConfChange(ConfChange change, long deadline, Completion<R> completion) {
        if (refusedAtAdmission(completion)) return Admission.REFUSED;
        if (!completion.proceed(Completion.Step.PROPOSED)) return Admission.DROPPED;
        Admission a = registerProposal(node.proposeConfChange(change), deadline, completion);
        drive();
        return a;
    }

    public ProposeResult proposeConfChange(ConfChange change) {
        if (stopped) return new ProposeResult.Refused(ProposeResult.Reason.NOT_LEADER, 0, "stopped");
        ProposeResult r = node.proposeConfChange(change);
        drive();
        return r;
    }

    public ProposeResult transferLeadership(long target) {
        if (stopped) return new ProposeResult.Refused(ProposeResult.Reason.NOT_LEADER, 0, "stopped");
        ProposeResult r = node.transferLeadership(target);
        drive();
        return r;
    }

    public void reportSnapshot(long member, boolean delivered) {
        if (stopped) return;
        node.reportSnapshot(member, delivered);
        drive();
    }

    // ------------------------------------------------------------------ state

    /** The node, for inspection on the raft stage (the simulation's checkers, tests). */
    public RaftNode node() {
        return node;
    }

    /** Any thread: the lease as last published (before any message of the step that changed it). */
    public PublishedLeaderLease lease() {
        return lease;
    }

    /** Raft stage: how far the state machine applied, as last handed back. */
    public long applied() {
        return applied;
    }

    /** Raft stage: requests waiting inside the runtime (writes, reads, parked). */
    public int pendingRequests() {
        return writes.size() + reads.size() + leaderWait.size();
    }

    /** Raft stage: Readys handed out and not yet durable. */
    public int persistsInFlight() {
        return persist.size();
    }

    public boolean stopped() {
        return stopped;
    }

    /** The failure that stopped the runtime, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Raft stage (or once nothing runs any more): stops; every waiting request is refused STOPPED. */
    public void stop() {
        if (stopped) return;
        stopped = true;
        failWaiting(new Refusal(Refusal.Kind.STOPPED, 0, "member " + Long.toHexString(node.id()) + " stopped"));
    }

    // ------------------------------------------------------------------ the Ready contract

    /** Runs {@code task} on the raft stage, then drives the node (every hand-back may produce a Ready). */
    private void onRaftStage(Runnable task) {
        stages.raft().execute(() -> {
            if (stopped) return;
            task.run();
            drive();
        });
    }

    /** As {@link #onRaftStage}, without waking the raft stage ({@link Stages#raftDeferred()}). */
    private void onRaftStageDeferred(Runnable task) {
        stages.raftDeferred().execute(() -> {
            if (stopped) return;
            task.run();
            drive();
        });
    }

    private void drive() {
        // Re-entered from a callback: the outer loop picks the Ready up. In a batch: its end drives.
        if (driving || stopped || batching > 0) return;
        driving = true;
        try {
            publishLease();
            while (!stopped && node.hasReady()) {
                Ready r = node.ready();
                // The lease as of this Ready, published before any of its messages leave (ReadState's contract).
                publishLease();
                handle(r);
            }
            // A leader counts its own log toward the commit, a candidate its own vote; a follower holding a commit
            // index past what it handed to apply hands those entries out only once they are durable.
            raftWaitsForDurable = node.role() != Role.FOLLOWER || node.log().committed() > handedToApply;
            readsWaitForApply = reads.waitingForApply();
        } finally {
            driving = false;
        }
    }

    private void handle(Ready r) {
        observer.readyHandedOut(r);
        if (r.snapshot() != null) handedToApply = Math.max(handedToApply, r.snapshot().getIndex());
        if (!r.committedEntries().isEmpty()) {
            handedToApply = r.committedEntries().get(r.committedEntries().size() - 1).getIndex();
        }
        if (r.softState() != null && r.softState().leaderId() != knownLeader) leaderChanged(r.softState().leaderId());
        // Sent at once, while the write below goes on: the leader's appends overlap its own fsync (thesis §10.2.1).
        transport.send(r.messages());
        if (!r.readStates().isEmpty()) {
            reads.answered(r.readStates(), node.term(), "member " + Long.toHexString(node.id()));
            // The newest applied index, even if its hand-back is still deferred: a read waits for no wake-up.
            applied = Math.max(applied, machineApplied);
            runReads();
        }
        Runnable install = null;
        if (r.snapshot() != null) {
            SnapshotMetadata snapshot = r.snapshot();
            install = () -> {
                machine.installSnapshot(snapshot);
                writes.coveredBySnapshot(snapshot.getIndex());
                onRaftStage(() -> {
                    applied = Math.max(applied, snapshot.getIndex());
                    runReads();
                });
            };
        }
        persist.submit(r, install == null ? null : guarded(install));
    }

    /** Raft stage: the Ready and every one before it are durable. */
    private void durable(Ready r) {
        node.persisted(r);
        List<Entry> committed = r.committedEntries();
        ConfState conf = r.confState();
        if (!committed.isEmpty() || conf != null) stages.apply().execute(guarded(() -> apply(committed, conf)));
    }

    /** Apply stage. */
    private void apply(List<Entry> entries, ConfState conf) {
        if (stopped) return;
        List<R> results = machine.apply(entries, conf);
        if (entries.isEmpty()) return;
        boolean anyForwarded = writes.anyForwarded();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            R result = results.get(i);
            writes.applied(e.getIndex(), e.getTerm(), result);
            if (anyForwarded && e.getType() == EntryType.ENTRY_NORMAL) {
                long request = machine.originRequest(e, node.id());
                if (request >= 0) writes.appliedForwarded(request, result);
            }
        }
        machineApplied = entries.get(entries.size() - 1).getIndex();
        handBackApplied();
    }

    /**
     * Apply stage: Raft's applied index is bookkeeping unless a confirmed read waits for it, so the hand-back wakes
     * the raft stage only then; otherwise it rides on the raft stage's next wake-up ({@link Stages#raftDeferred}).
     * Queued deferred first, the waiters read after; the raft stage publishes them at the end of every drive, before
     * it looks at its deferred tasks: either this stage sees the waiting read, or the raft stage finds the hand-back.
     */
    private void handBackApplied() {
        if (!deferrable) {
            onRaftStage(this::takeApplied);
            return;
        }
        if (appliedHandBackQueued.compareAndSet(false, true)) {
            onRaftStageDeferred(() -> {
                appliedHandBackQueued.set(false); // before taking: an apply finishing from now on queues again
                takeApplied();
            });
        }
        if (readsWaitForApply) onRaftStage(this::takeApplied);
    }

    /** Raft stage: takes the applied index the apply stage published, and runs the reads it was waited for. */
    private void takeApplied() {
        long last = machineApplied;
        if (last > node.log().applied()) node.applied(last);
        applied = Math.max(applied, last);
        runReads();
    }

    /** Raft stage: executes every confirmed read whose index is applied. */
    private void runReads() {
        for (PendingReads.Confirmed c : reads.runnable(applied)) {
            stages.read().execute(guarded(() -> execute(c)));
        }
    }

    /**
     * Read stage. The read stays among {@link PendingReads}' executing reads until this stage takes it back: a stop
     * meanwhile refuses it there, or this stage refuses it, exactly once either way (its caller would otherwise wait
     * out its own timeout).
     */
    private <T> void execute(PendingReads.Confirmed c) {
        if (stopped) {
            refuseStopped(c);
            return;
        }
        @SuppressWarnings("unchecked") PendingReads.Read<T> read = (PendingReads.Read<T>) c.read();
        T value = read.query().get();
        if (stopped) {
            // Stopped while the query ran: nothing is answered after a fail-stop (the state machine may hold what a
            // failed write or apply left half done), so its answer is dropped and the read refused.
            refuseStopped(c);
            return;
        }
        if (c.leaseTerm() != 0 && !leaseHoldsAfterRead(c.leaseTerm())) {
            // The lease ended while the read waited or ran: its answer could miss a newer leader's write. Asked
            // again once the raft stage looked at the clock, so a suspension ends the node's lease first.
            onRaftStage(() -> {
                if (!reads.finish(c)) return; // refused by a stop meanwhile
                noticeSuspension();
                askNode(read);
            });
            return;
        }
        if (reads.finish(c)) read.completion().completed(new ReadAnswer<>(value, c.index(), c.leaseTerm()));
    }

    /** Read stage: refuses an executing read STOPPED, unless the stop's own refusal of every read came first. */
    private void refuseStopped(PendingReads.Confirmed c) {
        if (reads.finish(c)) c.read().completion().refused(stoppedRefusal());
    }

    /**
     * Read stage: whether the published lease of {@code term} still holds now, and the clock did not stand still
     * since it was published (a suspended VM: the followers' guards ran out meanwhile, and the raft stage may not
     * have noticed yet).
     */
    private boolean leaseHoldsAfterRead(long term) {
        PublishedLeaderLease held = lease;
        return held.holds(term, clock.now()) && !clock.mayHaveStoppedSince(held.clockMark());
    }

    /**
     * Raft stage: a new leader is known (or none). Idempotent forwarded writes go to it again (the old leader may
     * have dropped them), then parked requests run, so a parked write is not forwarded twice.
     */
    private void leaderChanged(long leader) {
        knownLeader = leader;
        if (leader == 0) return;
        for (ByteString tagged : writes.resendable()) {
            if (node.role() == Role.LEADER) node.propose(tagged);
            else node.proposeOrForward(tagged);
        }
        leaderWait.leaderKnown();
    }

    private void publishLease() {
        noticeSuspension();
        long expires = node.leaseExpiresAt();
        long term = node.term();
        PublishedLeaderLease current = lease;
        if (current.expiresAt() != expires || current.term() != term) {
            lease = new PublishedLeaderLease(expires, term, clock.suspensionMark());
        }
    }

    private void noticeSuspension() {
        if (clock.mayHaveStoppedSinceLastCheck()) node.clockMayHaveStopped();
    }

    /** A stage task that fails the runtime (fail-stop) if it throws, then lets the throw go on to its executor. */
    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                failStop(e);
                throw e;
            }
        };
    }

    private void failStop(Throwable cause) {
        if (stopped) return;
        failure = cause;
        stopped = true;
        lease = PublishedLeaderLease.NONE;
        Refusal refusal = new Refusal(Refusal.Kind.STOPPED, 0, "member " + Long.toHexString(node.id())
                + " stopped after a failure: " + cause);
        writes.failAll(refusal); // concurrent: safe from any stage
        // The rest belongs to the raft stage (the failure may have come from another).
        stages.raft().execute(() -> {
            persist.clear();
            reads.failAll(refusal);
            leaderWait.failAll(refusal);
        });
        observer.failed(cause);
    }

    private void failWaiting(Refusal refusal) {
        writes.failAll(refusal);
        reads.failAll(refusal);
        leaderWait.failAll(refusal);
    }

    private Refusal stoppedRefusal() {
        return new Refusal(Refusal.Kind.STOPPED, 0, "member " + Long.toHexString(node.id()) + " is stopped"
                + (failure == null ? "" : " after a failure: " + failure));
    }
}
