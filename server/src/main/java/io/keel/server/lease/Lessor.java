package io.keel.server.lease;

import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.storage.mvcc.api.AlreadyApplied;
import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.LeaseCheckpointRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchResponse;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseExpireResponse;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.LeaseRenewResponse;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.LeaseTimes;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keel.server.concurrent.NamedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * The leader's lease clocks. Leases are state (granted, checkpointed, revoked through Raft entries); when one expires
 * is decided here, by the leader alone, on its monotonic clock, and carried out through Raft: the leader proposes a
 * {@link LeaseExpireRequest} (up to {@link #MAX_EXPIRIES_PER_ENTRY} of them in one {@link LeaseExpireBatchRequest}),
 * which deletes the lease's keys at one revision on every member once a quorum commits it.
 *
 * <p>Only a primary lessor keeps deadlines. A member becomes primary when the empty entry of its own term applies
 * (everything of earlier terms has applied by then) and restarts every lease's time from its checkpointed remaining
 * time, or in full, plus an election timeout (etcd's Promote): a failover never expires a lease early, at the cost of
 * holding expired ones longer. It stops being primary as soon as the raft thread reports another role (Demote).
 * Expiries are proposed through {@code proposer}, which refuses unless the member is leader <em>and holds its leader
 * lease</em> at that moment: an old leader cut off from the quorum never proposes one (etcd #12528, #15247), and one it
 * proposed just before could only apply if a quorum commits it.
 *
 * <p>Checkpoints (etcd's lease checkpoint): every checkpoint interval the primary records the remaining time of each
 * lease whose TTL is longer than the interval ({@link LeaseCheckpointRequest}); a keep-alive of a lease whose record
 * holds one is answered only once an entry clearing it has applied (see {@link #promote} for why).
 *
 * <p>Keep-alives are not Raft entries (issue 16): {@link #renew} restarts the lease's deadline in this primary's memory
 * and answers the granted TTL, only after checking that the member still holds its leader lease in the term it became
 * primary in (or, without it, that a quorum round started afterwards confirmed its leadership); a follower forwards its
 * clients' keep-alives here ({@link LeaseForwarder}). Once a lease is past its deadline, or its expiry has been
 * proposed, a keep-alive is not answered until that expiry applies (then with TTL 0): so no keep-alive answer is ever
 * contradicted by an expiry decided before it. Why a failover still never expires a lease early: every answered
 * keep-alive was renewed while this member held its leader lease (or before a quorum confirmed its leadership), so
 * before any later leader was elected, let alone promoted; a later leader restarts every deadline at its promotion,
 * which is after the answer, in full (TTL plus an election timeout) or from a checkpoint that already covers the answer
 * (see {@link #promote}), so its deadline is no earlier than the one the client was promised. Legacy {@code
 * LeaseRenewRequest} entries (written by older versions) still restart the deadline when they apply. An expiry names
 * the last entry the primary had applied when it decided; the store refuses it when such an entry renewed the lease
 * after that.
 *
 * <p>Threads: {@link #leadershipChanged} from the raft thread, {@link #applied} from the apply thread, expiry scans on
 * this lessor's timer thread; queries from any thread. One lock guards the lot.
 */
public final class Lessor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Lessor.class);

    /** etcd's leaseRevokeRate: expiries proposed per second at most, so a mass expiry does not flood the log. */
    static final int MAX_EXPIRIES_PER_SECOND = 1000;
    /**
     * Expiries per entry (etcd proposes one revocation per expired lease): a mass expiry costs one entry per scan,
     * and no entry revokes more than this many leases, so the writes queued behind it wait for a bounded apply.
     */
    static final int MAX_EXPIRIES_PER_ENTRY = 100;
    static final Duration SCAN_INTERVAL = Duration.ofMillis(100);
    /** etcd's expiredLeaseRetryInterval: an expiry proposed but not applied by then is proposed again. */
    static final Duration EXPIRY_RETRY = Duration.ofSeconds(3);

    private record Deadline(long at, long id) {
    }

    /**
     * etcd's default lease checkpoint interval: a lease with a longer TTL has its remaining time recorded this often.
     */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(5);
    /** etcd's leaseCheckpointRate and maxLeaseCheckpointBatchSize: checkpoints per second, and per entry. */
    static final int MAX_CHECKPOINTS_PER_SECOND = 1000;

    /** How long a keep-alive or time-to-live waits here for this member to be ready before it is refused. */
    static final Duration WAIT_LIMIT = Duration.ofSeconds(5);

    private static final class Tracked {
        long ttlSeconds;
        long deadline;
        /** The {@code at} of this lease's one entry in {@code deadlines}. */
        long queuedAt;
        /** An expiry was proposed and has not applied (or failed) yet. */
        boolean expiring;
        /** Keep-alives that arrived past the deadline: answered once the expiry applies. */
        List<Waiter<Long>> waiters;
        /** The {@code at} of this lease's one entry in {@code checkpointsDue} (0: none). */
        long checkpointQueuedAt;
        /**
         * The store may hold a remaining time for it (a checkpoint was proposed, or found at promotion): a keep-alive
         * must clear it through the log before it is answered, or a new leader could continue from a remaining time
         * measured before that keep-alive.
         */
        boolean checkpointed;
        /** The clearing entry proposed after the latest checkpoint, which later keep-alives wait for too. */
        CompletableFuture<Response> clearing;

        Tracked(long ttlSeconds) {
            this.ttlSeconds = ttlSeconds;
        }
    }

    private record Waiter<T>(CompletableFuture<T> future, long since) {
    }

    /** A request waiting for this member to be primary and to have applied {@code minApplied}. */
    private record Ready(long minApplied, CompletableFuture<Void> future, long since) {
    }

    /** The leader's answer to a time-to-live: the remaining time, and the entry it had applied when it answered. */
    public record Remaining(boolean found, long remainingNanos, long appliedIndex) {
    }

    private final long memberId;
    private final long promoteExtensionNanos;
    private final LongSupplier clock;
    private final Function<Operation, CompletableFuture<Response>> proposer;
    private final LongPredicate holdsLeaderLease;
    private final java.util.function.LongFunction<CompletableFuture<?>> confirmLeadership;
    private final ScheduledExecutorService timer;

    private final Object lock = new Object();
    private final Map<Long, Tracked> leases = new HashMap<>(); // primary only
    private final List<Ready> waitingForReady = new ArrayList<>();
    private final java.util.Set<Long> withWaiters = new java.util.HashSet<>(); // leases with keep-alives waiting
    private final PriorityQueue<Deadline> checkpointsDue =
            new PriorityQueue<>((a, b) -> Long.compare(a.at() - b.at(), 0)); // stale items skipped on poll
    private volatile long checkpointIntervalNanos = DEFAULT_CHECKPOINT_INTERVAL.toNanos();
    private final AtomicLong checkpointsProposed = new AtomicLong();
    private final PriorityQueue<Deadline> deadlines =
            new PriorityQueue<>((a, b) -> Long.compare(a.at() - b.at(), 0)); // stale items skipped on poll
    private long leaderTerm; // the term this member leads, as the raft thread last said; 0 when not leader
    private long primaryTerm; // the term in which it became primary; 0 when not primary
    private long lastApplied; // the last entry this lessor saw applied
    private final AtomicLong expiriesProposed = new AtomicLong();
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong renewalLeaseChecks = new AtomicLong();
    private final AtomicLong renewalsOneByOne = new AtomicLong();
    private final AtomicLong batchesWaited = new AtomicLong();
    /** The clearing entry on its way (null: none); see {@link #clearCheckpoint}. */
    private CompletableFuture<Response> clearingInFlight;
    /** Leases whose clearing waits for the one on its way, and the future their keep-alives wait for. */
    private final Map<Long, Tracked> clearingsWaiting = new HashMap<>();
    private CompletableFuture<Response> nextClearing;
    private final AtomicLong clearingsProposed = new AtomicLong();

    /**
     * @param promoteExtension added to every lease's TTL on promotion (etcd: the election timeout)
     * @param proposer proposes an expiry only if this member leads and holds its leader lease right then
     * @param holdsLeaderLease whether this member holds its leader lease in the given term right now (any thread)
     * @param confirmLeadership when it does not: completes normally only if this member led in the given term
     *     throughout a quorum confirmation round started after the call (a linearizable read's round)
     */
    public Lessor(long memberId, Duration promoteExtension, LongSupplier clock,
                  Function<Operation, CompletableFuture<Response>> proposer, LongPredicate holdsLeaderLease,
                  java.util.function.LongFunction<CompletableFuture<?>> confirmLeadership) {
        this.memberId = memberId;
        this.promoteExtensionNanos = promoteExtension.toNanos();
        this.clock = clock;
        this.proposer = proposer;
        this.holdsLeaderLease = holdsLeaderLease;
        this.confirmLeadership = confirmLeadership;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                NamedThreads.single("keel-lessor-" + Long.toHexString(memberId)));
    }

    /**
     * etcd's minimum lease TTL: one and a half election timeouts, rounded up to whole seconds, so a lease outlives
     * the election that may follow a leader's failure.
     */
    public long minTtlSeconds() {
        long nanos = promoteExtensionNanos + promoteExtensionNanos / 2;
        return Math.max(1, (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::expireDue, SCAN_INTERVAL.toNanos(), SCAN_INTERVAL.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    // ------------------------------------------------------------------ raft thread

    /** Raft thread: the role changed. Leaving the leader role demotes at once. */
    public void leadershipChanged(SoftState s) {
        List<CompletableFuture<?>> refused = new ArrayList<>();
        synchronized (lock) {
            leaderTerm = s.role() == Role.LEADER ? s.term() : 0;
            if (primaryTerm != 0 && primaryTerm != leaderTerm) {
                LOG.info("member {} stops tracking lease expiry ({} in term {})", hex(memberId), s.role(), s.term());
                primaryTerm = 0;
                for (Tracked t : leases.values()) {
                    if (t.waiters != null) for (Waiter<Long> w : t.waiters) refused.add(w.future());
                }
                leases.clear();
                deadlines.clear();
                checkpointsDue.clear();
                withWaiters.clear();
                clearingsWaiting.clear();
                clearingInFlight = null;
                if (nextClearing != null) refused.add(nextClearing);
                nextClearing = null;
            }
            if (leaderTerm == 0) {
                for (Ready r : waitingForReady) refused.add(r.future());
                waitingForReady.clear();
            }
        }
        for (CompletableFuture<?> f : refused) f.completeExceptionally(new NotPrimaryException(memberId));
    }

    // ------------------------------------------------------------------ apply thread

    /** Apply thread: entry {@code e} applied to {@code store} as {@code op}, with {@code result}. */
    public void applied(MvccStore store, Entry e, Operation op, ApplyResult result) {
        List<Runnable> answers = new ArrayList<>();
        synchronized (lock) {
            lastApplied = Math.max(lastApplied, e.getIndex());
            track(store, e, op, result, answers);
            releaseReady(answers);
        }
        for (Runnable a : answers) a.run(); // outside the lock: they complete futures whose callbacks may send
    }

    /** Lock held: what the entry changes in the deadlines. */
    private void track(MvccStore store, Entry e, Operation op, ApplyResult result, List<Runnable> answers) {
        if (result.response() instanceof AlreadyApplied) return;
        if (isOwnEmptyEntry(e) && primaryTerm == 0) {
            promote(store, e.getTerm());
            return;
        }
        if (result.refused() || primaryTerm == 0) return;
        Response r = result.response();
        long now = clock.getAsLong();
        if (r instanceof LeaseGrantResponse g) {
            track(g.id(), g.ttl(), now, 0, answers);
        } else if (r instanceof LeaseRenewResponse renewed) { // a legacy keep-alive entry
            track(renewed.id(), renewed.ttl(), now, 0, answers);
        } else if (op instanceof LeaseRevokeRequest revoke) {
            forget(revoke.id(), answers);
        } else if (r instanceof LeaseExpireResponse x) {
            expired(x, answers);
        } else if (r instanceof LeaseExpireBatchResponse batch) {
            for (LeaseExpireResponse x : batch.results()) expired(x, answers);
        }
    }

    /** Lock held: one expiry applied (entries of earlier versions carry one each, later ones a batch). */
    private void expired(LeaseExpireResponse x, List<Runnable> answers) {
        if (x.revoked()) {
            forget(x.id(), answers);
        } else {
            Tracked t = leases.get(x.id());
            if (t != null) t.expiring = false; // renewed by a legacy entry: its deadline is restarted
        }
    }

    /** The lease is gone: keep-alives waiting on its expiry answer TTL 0, as etcd answers for no such lease. */
    private void forget(long id, List<Runnable> answers) {
        Tracked t = leases.remove(id);
        if (t != null && t.waiters != null) {
            for (Waiter<Long> w : t.waiters) answers.add(() -> w.future().complete(0L));
        }
    }

    /** Lock held: requests that waited for this member to be primary and to have applied enough may go on. */
    private void releaseReady(List<Runnable> answers) {
        if (primaryTerm == 0 || waitingForReady.isEmpty()) return;
        for (Iterator<Ready> it = waitingForReady.iterator(); it.hasNext(); ) {
            Ready r = it.next();
            if (r.minApplied() <= lastApplied) {
                it.remove();
                answers.add(() -> r.future().complete(null));
            }
        }
    }

    /** The leader's empty entry of the term it leads: every entry of earlier terms has applied before it. */
    private boolean isOwnEmptyEntry(Entry e) {
        return e.getType() == EntryType.ENTRY_NORMAL && e.getData().isEmpty() && leaderTerm != 0
                && e.getTerm() == leaderTerm;
    }

    /**
     * Takes over every lease's deadline: now + its checkpointed remaining time, or its full TTL when none is recorded,
     * plus an election timeout (etcd's Promote). Safe: every keep-alive answered before the checkpoint was taken is
     * covered by the remaining time it recorded (taken after it, on a deadline at least that keep-alive + TTL), and
     * every keep-alive answered after it waited for a clearing entry ordered after the checkpoint in the log (so
     * the store says "full TTL"), and was renewed before this member was elected (see {@link #answer}), so before
     * this promotion.
     */
    private void promote(MvccStore store, long term) {
        Map<Long, LeaseTimes> times = store.leaseTimes();
        long now = clock.getAsLong();
        leases.clear();
        deadlines.clear();
        checkpointsDue.clear();
        List<Runnable> none = new ArrayList<>();
        int continued = 0;
        for (Map.Entry<Long, LeaseTimes> l : times.entrySet()) {
            long remainingMillis = l.getValue().checkpointedRemainingMillis();
            Tracked t = track(l.getKey(), l.getValue().ttlSeconds(), now, promoteExtensionNanos, none);
            if (remainingMillis > 0) {
                t.deadline = now + TimeUnit.MILLISECONDS.toNanos(remainingMillis) + promoteExtensionNanos;
                t.queuedAt = t.deadline;
                deadlines.add(new Deadline(t.deadline, l.getKey()));
                t.checkpointed = true;
                continued++;
            }
        }
        primaryTerm = term;
        LOG.info("member {} tracks lease expiry in term {}: {} leases restarted in full, {} continued from their"
                + " checkpoint", hex(memberId), term, times.size() - continued, continued);
    }

    /** Lock held: the lease's deadline restarts at now + TTL + extension (a grant, a promotion, a legacy renewal). */
    private Tracked track(long id, long ttlSeconds, long now, long extension, List<Runnable> answers) {
        Tracked t = leases.get(id);
        if (t == null) {
            t = new Tracked(ttlSeconds);
            leases.put(id, t);
        }
        t.ttlSeconds = ttlSeconds;
        t.checkpointed = false; // a grant or a legacy renewal entry leaves no remaining time in the store
        t.clearing = null;
        long interval = checkpointIntervalNanos;
        if (TimeUnit.SECONDS.toNanos(ttlSeconds) > interval && t.checkpointQueuedAt == 0) {
            t.checkpointQueuedAt = now + interval;
            checkpointsDue.add(new Deadline(t.checkpointQueuedAt, id));
        }
        t.deadline = now + TimeUnit.SECONDS.toNanos(ttlSeconds) + extension;
        t.expiring = false;
        t.queuedAt = t.deadline;
        deadlines.add(new Deadline(t.deadline, id)); // an older entry for it is now stale: skipped when polled
        if (t.waiters != null) {
            long term = primaryTerm;
            for (Waiter<Long> w : t.waiters) answers.add(() -> answer(w.future(), term, ttlSeconds));
            t.waiters = null;
        }
        return t;
    }

    // ------------------------------------------------------------------ keep-alives and time-to-live (any thread)

    /**
     * One keep-alive, answered from this member's memory: completes with the lease's granted TTL (0: no such lease)
     * once this member is primary and has applied {@code minApplied} (the caller's applied index, so a grant it has
     * seen is known here). Fails with {@link NotPrimaryException} (retryable) when this member does not lead, stops
     * leading, or does not hold its leader lease when it would answer. A lease past its deadline is answered only
     * when its expiry applies (TTL 0).
     */
    public CompletableFuture<Long> renew(long id, long minApplied) {
        renewalsOneByOne.incrementAndGet();
        long ttl = tryRenew(id, minApplied);
        if (ttl >= 0) return CompletableFuture.completedFuture(ttl);
        return whenReady(minApplied).thenCompose(v -> renewNow(id));
    }

    /** {@link #tryRenew}: the keep-alive cannot be answered at once; {@link #renew} waits for what it needs. */
    static final long NOT_NOW = -1;

    /**
     * A keep-alive answered at once when nothing needs waiting for, without a future, a lambda or an array (the
     * common case at scale: thousands a second; the rule is {@link #renewOne}'s, shared with the batch path): the granted TTL, 0 when there is no such lease, or {@link #NOT_NOW} when
     * {@link #renew} must be used instead (not primary or not applied {@code minApplied} yet, past the deadline or
     * expiring, a checkpoint to clear, or no leader lease held right now). The same rules as {@link #renew}: the
     * deadline is restarted before the leader lease is checked; a {@link #NOT_NOW} after the restart leaves it
     * restarted, which {@link #renew} does again (a renewal is idempotent).
     */
    long tryRenew(long id, long minApplied) {
        long term;
        long ttl;
        synchronized (lock) {
            if (!readyFor(minApplied)) return NOT_NOW;
            ttl = renewOne(id, clock.getAsLong());
            term = primaryTerm;
        }
        if (ttl == NO_SUCH_LEASE) return 0;
        if (ttl == NOT_NOW || !answerableAtOnce(term, 1)) return NOT_NOW;
        return ttl;
    }

    /**
     * Why {@link #tryRenewAll} left a batch of keep-alives unanswered: what the batch, as a whole, waits for once
     * ({@link #renewAllLater}), rather than each of its keep-alives on its own.
     */
    enum BatchWait {
        /**
         * Nothing: the batch is answered, but for the keep-alives {@link #NOT_NOW} each because of its own lease
         * (past its deadline or expiring, a checkpoint to clear), which {@link #renew} answers one by one.
         */
        NONE,
        /** This member is not primary, or has not applied the asker's index yet: nothing was renewed. */
        NOT_READY,
        /** Renewed, but the leader lease did not hold after the renewals: a quorum round must confirm leadership. */
        NO_LEADER_LEASE
    }

    /**
     * {@link #tryRenew} for the first {@code n} of {@code ids}, keep-alives that arrived together (a stream's burst, a
     * follower's batch): {@code ttls[i]} receives what {@code tryRenew(ids[i], minApplied)} would return. The lock is
     * taken, the clock read and the leader lease checked once for them all, and that check comes after every
     * renewal of the batch, so it is as strong for each as a check of its own after its renewal (an answered
     * keep-alive's renewal happened before any other member could be elected; see {@link #answer}). The deadlines
     * start from the batch's one clock reading, taken before any of them is renewed, hence before each answer, as
     * for a single keep-alive. Unless it returns {@link BatchWait#NONE}, every one is {@link #NOT_NOW}, and the
     * batch goes to {@link #renewAllLater} with the reason returned, to wait once for all of them.
     */
    BatchWait tryRenewAll(long[] ids, int n, long minApplied, long[] ttls) {
        long term;
        int renewed;
        synchronized (lock) {
            if (!readyFor(minApplied)) {
                Arrays.fill(ttls, 0, n, NOT_NOW);
                return BatchWait.NOT_READY;
            }
            renewed = renewEach(ids, n, ttls);
            term = primaryTerm;
        }
        if (renewed == 0 || answerableAtOnce(term, renewed)) return BatchWait.NONE;
        Arrays.fill(ttls, 0, n, NOT_NOW); // renewed, not answered: renewAllLater answers them after a round
        return BatchWait.NO_LEADER_LEASE;
    }

    /** Lock held: whether this member is primary and has applied {@code minApplied} (the asker's applied index). */
    private boolean readyFor(long minApplied) {
        return primaryTerm != 0 && lastApplied >= minApplied;
    }

    /** {@link #renewOne}'s answer for a lease this primary does not know: answered 0 (etcd's TTL for no such lease). */
    private static final long NO_SUCH_LEASE = -2;

    /**
     * Lock held, primary: the rule for one keep-alive at {@code now}, shared by the single and the batch paths.
     * Renews the lease if it may be answered now and returns its granted TTL; {@link #NO_SUCH_LEASE} when there is
     * none (answered 0 whether or not this member still leads); {@link #NOT_NOW} for a lease past its deadline or
     * expiring (an expiry may already be decided) or checkpointed (a clearing entry first: {@link #renew}).
     */
    private long renewOne(long id, long now) {
        Tracked t = leases.get(id);
        if (t == null) return NO_SUCH_LEASE;
        if (t.expiring || t.checkpointed || t.deadline - now <= 0) return NOT_NOW;
        t.deadline = now + TimeUnit.SECONDS.toNanos(t.ttlSeconds);
        return t.ttlSeconds;
    }

    /**
     * Lock held, primary: {@link #renewOne} for each of the first {@code n} of {@code ids} at one clock reading,
     * {@code ttls[i]} receiving what {@link #tryRenew} answers for it before its leader lease check; returns how
     * many it renewed.
     */
    private int renewEach(long[] ids, int n, long[] ttls) {
        long now = clock.getAsLong();
        int renewed = 0;
        for (int i = 0; i < n; i++) {
            long ttl = renewOne(ids[i], now);
            if (ttl == NO_SUCH_LEASE) {
                ttls[i] = 0;
            } else {
                ttls[i] = ttl;
                if (ttl != NOT_NOW) renewed++;
            }
        }
        return renewed;
    }

    /**
     * After {@code renewed} renewals in {@code term}: the one leader lease check made after them (see {@link #answer}
     * for why it comes after); true if they are answered now, counted as renewals.
     */
    private boolean answerableAtOnce(long term, int renewed) {
        renewalLeaseChecks.incrementAndGet();
        if (!holdsLeaderLease.test(term)) return false;
        renewals.addAndGet(renewed);
        return true;
    }

    /**
     * A batch {@link #tryRenewAll} could not answer ({@code why}), waited for once as a whole: once this member is
     * primary and has applied {@code minApplied}, the batch is renewed again under one lock and clock reading (a
     * renewal is idempotent), and answered, as {@link #answer} answers one keep-alive, after one check of the leader
     * lease made after those renewals or, without the lease, one quorum round started after them (straight away
     * when {@code why} is {@link BatchWait#NO_LEADER_LEASE}: the lease was just found lapsed). Completes with the
     * TTLs as {@link #tryRenewAll} gives them for {@link BatchWait#NONE} (those {@link #NOT_NOW} wait for their own
     * lease: {@link #renew}), or fails with {@link NotPrimaryException} when this member does not lead (then every
     * keep-alive of the batch is to be retried wherever the leader is).
     */
    CompletableFuture<long[]> renewAllLater(BatchWait why, long[] ids, int n, long minApplied) {
        batchesWaited.incrementAndGet();
        return whenReady(minApplied).thenCompose(ready -> {
            long[] ttls = new long[n];
            long term;
            int renewed;
            synchronized (lock) {
                if (primaryTerm == 0) return CompletableFuture.failedFuture(new NotPrimaryException(memberId));
                renewed = renewEach(ids, n, ttls);
                term = primaryTerm;
            }
            if (renewed == 0) return CompletableFuture.completedFuture(ttls);
            CompletableFuture<long[]> answered = new CompletableFuture<>();
            if (why == BatchWait.NO_LEADER_LEASE) {
                answerAfterRound(answered, term, ttls);
            } else {
                renewalLeaseChecks.incrementAndGet();
                answer(answered, term, ttls);
            }
            return answered.thenApply(done -> {
                renewals.addAndGet(renewed);
                return done;
            });
        });
    }

    private CompletableFuture<Long> renewNow(long id) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        long term;
        long ttl;
        CompletableFuture<Response> clearing = null;
        synchronized (lock) {
            if (primaryTerm == 0) {
                f.completeExceptionally(new NotPrimaryException(memberId));
                return f;
            }
            Tracked t = leases.get(id);
            if (t == null) {
                f.complete(0L);
                return f;
            }
            long now = clock.getAsLong();
            if (t.expiring || t.deadline - now <= 0) {
                // Too late: its expiry is (or is about to be) proposed. Answering a TTL now could be contradicted.
                if (t.waiters == null) t.waiters = new ArrayList<>();
                t.waiters.add(new Waiter<>(f, now));
                withWaiters.add(id);
                return f;
            }
            // In memory only: the deadlines queue keeps the older entry, which is re-queued when it is polled.
            t.deadline = now + TimeUnit.SECONDS.toNanos(t.ttlSeconds);
            term = primaryTerm;
            ttl = t.ttlSeconds;
            if (t.checkpointed) clearing = clearCheckpoint(id, t);
        }
        renewals.incrementAndGet();
        if (clearing == null) {
            answer(f, term, ttl);
        } else {
            clearing.whenComplete((r, e) -> {
                if (e == null) answer(f, term, ttl);
                else f.completeExceptionally(new NotPrimaryException(memberId));
            });
        }
        return f;
    }

    /**
     * Lock held: the store may hold a remaining time for the lease measured before this keep-alive; clear it through
     * the log (shared by the keep-alives until the next checkpoint) before answering. At most one clearing per lease
     * per checkpoint interval, and only for leases longer than the interval (etcd proposes one entry each). Here one
     * entry carries the clearings of many leases: while one is on its way, the next leases' clearings wait and leave
     * together when it applies (at 10,000 long leases, etcd writes 10,000 such entries per interval). Proposed under
     * the lock, so each is ordered after every checkpoint measured before it.
     */
    private CompletableFuture<Response> clearCheckpoint(long id, Tracked t) {
        if (t.clearing != null) return t.clearing;
        if (clearingInFlight == null) {
            Map<Long, Tracked> one = new HashMap<>();
            one.put(id, t);
            return proposeClearings(one, null);
        }
        if (nextClearing == null) nextClearing = new CompletableFuture<>();
        clearingsWaiting.put(id, t);
        t.clearing = nextClearing;
        return nextClearing;
    }

    /**
     * Lock held: proposes one entry clearing the checkpoints of {@code leases}; their keep-alives wait for
     * {@code shared} (completed with the entry's outcome) or, when null, for the proposal itself. When it applies,
     * the clearings that waited meanwhile are proposed.
     */
    private CompletableFuture<Response> proposeClearings(Map<Long, Tracked> toClear,
                                                         CompletableFuture<Response> shared) {
        List<LeaseCheckpointRequest.Checkpoint> cleared = new ArrayList<>(toClear.size());
        for (Long id : toClear.keySet()) cleared.add(new LeaseCheckpointRequest.Checkpoint(id, 0));
        clearingsProposed.incrementAndGet();
        CompletableFuture<Response> proposal = proposer.apply(new LeaseCheckpointRequest(cleared));
        CompletableFuture<Response> handle = shared != null ? shared : proposal;
        clearingInFlight = handle;
        for (Tracked t : toClear.values()) t.clearing = handle;
        proposal.whenComplete((r, e) -> {
            synchronized (lock) {
                for (Map.Entry<Long, Tracked> c : toClear.entrySet()) {
                    Tracked t = c.getValue();
                    // A checkpoint proposed since needs a clearing of its own (this one is ordered before it).
                    if (leases.get(c.getKey()) != t || t.clearing != handle) continue;
                    t.clearing = null;
                    if (e == null) t.checkpointed = false;
                }
                if (clearingInFlight == handle) {
                    clearingInFlight = null;
                    if (!clearingsWaiting.isEmpty()) {
                        Map<Long, Tracked> waiting = new HashMap<>(clearingsWaiting);
                        CompletableFuture<Response> next = nextClearing;
                        clearingsWaiting.clear();
                        nextClearing = null;
                        proposeClearings(waiting, next);
                    }
                }
            }
            if (shared != null) {
                if (e == null) shared.complete(r);
                else shared.completeExceptionally(e);
            }
        });
        return handle;
    }

    /** How many entries clearing checkpoints this lessor has proposed (each for one lease or more). */
    public long clearingsProposed() {
        return clearingsProposed.get();
    }

    /**
     * Answers a keep-alive (or a batch of them: {@code answer} is what they are answered with) only if, after the
     * deadline was restarted, this member still holds its leader lease in the term it is primary in, or (without
     * the lease: just elected, or for the rest of a term in which a leadership transfer was started) a quorum
     * confirmed its leadership in a round started afterwards. Either way no other member was elected before the
     * renewal, so any later leader promotes (restarting every deadline) after it.
     */
    private <T> void answer(CompletableFuture<T> f, long term, T answer) {
        if (term == 0) {
            f.completeExceptionally(new NotPrimaryException(memberId));
        } else if (holdsLeaderLease.test(term)) {
            f.complete(answer);
        } else {
            answerAfterRound(f, term, answer);
        }
    }

    /** {@link #answer} without the leader lease: once a quorum round started after the renewal confirmed it leads. */
    private <T> void answerAfterRound(CompletableFuture<T> f, long term, T answer) {
        confirmLeadership.apply(term).whenComplete((v, e) -> {
            if (e == null) f.complete(answer);
            else f.completeExceptionally(new NotPrimaryException(memberId));
        });
    }

    /**
     * The lease's remaining time by this primary's clock once it is primary and has applied {@code minApplied},
     * with the index it had applied then (the asker reads the lease's keys at least that fresh).
     */
    public CompletableFuture<Remaining> remaining(long id, long minApplied) {
        return whenReady(minApplied).thenApply(v -> {
            synchronized (lock) {
                if (primaryTerm == 0) throw new NotPrimaryException(memberId);
                Tracked t = leases.get(id);
                return t == null ? new Remaining(false, 0, lastApplied)
                        : new Remaining(true, t.deadline - clock.getAsLong(), lastApplied);
            }
        });
    }

    /** Completes once this member is primary and has applied {@code minApplied}; fails if it does not lead. */
    CompletableFuture<Void> whenReady(long minApplied) {
        synchronized (lock) {
            if (readyFor(minApplied)) return CompletableFuture.completedFuture(null);
            if (leaderTerm == 0) return CompletableFuture.failedFuture(new NotPrimaryException(memberId));
            CompletableFuture<Void> f = new CompletableFuture<>();
            waitingForReady.add(new Ready(minApplied, f, clock.getAsLong()));
            return f;
        }
    }

    // ------------------------------------------------------------------ timer thread

    /**
     * Proposes expiries for leases past their deadline, at most the rate allows per scan, in entries of at most
     * {@link #MAX_EXPIRIES_PER_ENTRY}.
     */
    void expireDue() {
        try {
            int budget = (int) Math.max(1, MAX_EXPIRIES_PER_SECOND * SCAN_INTERVAL.toMillis() / 1000);
            long now = clock.getAsLong();
            List<CompletableFuture<?>> late = new ArrayList<>();
            List<LeaseExpireRequest> batch = new ArrayList<>();
            synchronized (lock) {
                refuseLongWaits(now, late);
                while (primaryTerm != 0 && budget > 0 && !deadlines.isEmpty() && deadlines.peek().at() - now <= 0) {
                    Deadline d = deadlines.poll();
                    Tracked t = leases.get(d.id());
                    if (t == null || t.queuedAt != d.at()) continue; // revoked, or queued again since
                    if (t.deadline - now > 0) { // renewed in memory since it was queued: queue its new deadline
                        t.queuedAt = t.deadline;
                        deadlines.add(new Deadline(t.deadline, d.id()));
                        continue;
                    }
                    // Until the expiry applies (or fails), look again only after the retry interval; keep-alives
                    // meanwhile wait for its outcome.
                    t.expiring = true;
                    t.deadline = now + EXPIRY_RETRY.toNanos();
                    t.queuedAt = t.deadline;
                    deadlines.add(new Deadline(t.deadline, d.id()));
                    expiriesProposed.incrementAndGet();
                    batch.add(new LeaseExpireRequest(d.id(), lastApplied));
                    if (batch.size() == MAX_EXPIRIES_PER_ENTRY) {
                        propose(new LeaseExpireBatchRequest(batch));
                        batch.clear();
                    }
                    budget--;
                }
                if (!batch.isEmpty()) propose(new LeaseExpireBatchRequest(batch));
                if (primaryTerm != 0) checkpointDue(now);
            }
            for (CompletableFuture<?> f : late) f.completeExceptionally(new NotPrimaryException(memberId));
        } catch (RuntimeException e) {
            LOG.error("member {}: lease expiry scan failed: {}", hex(memberId), e.toString(), e); // next scan retries
        }
    }

    /**
     * Lock held: records the remaining time of the leases whose checkpoint is due (every checkpoint interval, for
     * leases whose TTL is longer than the interval), at most {@link #MAX_CHECKPOINTS_PER_SECOND}, in one entry per
     * scan. Proposed under the lock, so a keep-alive after it clears it with an entry ordered after it.
     */
    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    private void checkpointDue(long now) {
        int budget = (int) Math.max(1, MAX_CHECKPOINTS_PER_SECOND * SCAN_INTERVAL.toMillis() / 1000);
        long interval = checkpointIntervalNanos;
        List<LeaseCheckpointRequest.Checkpoint> batch = new ArrayList<>();
        while (batch.size() < budget && !checkpointsDue.isEmpty() && checkpointsDue.peek().at() - now <= 0) {
            Deadline d = checkpointsDue.poll();
            Tracked t = leases.get(d.id());
            if (t == null || t.checkpointQueuedAt != d.at()) continue; // revoked, or queued again since
            t.checkpointQueuedAt = now + interval;
            checkpointsDue.add(new Deadline(t.checkpointQueuedAt, d.id()));
            long remaining = t.deadline - now;
            // Every interval while it lives (not only while more than an interval is left, as etcd), so a new leader
            // never continues from a checkpoint older than an interval (plus a scan): the bound on an abandoned lease.
            if (t.expiring || remaining <= 0) continue;
            batch.add(new LeaseCheckpointRequest.Checkpoint(d.id(),
                    Math.max(1, (remaining + MILLI - 1) / MILLI)));
            t.checkpointed = true;
            t.clearing = null; // a keep-alive from now on must clear this checkpoint with an entry after it
        }
        if (batch.isEmpty()) return;
        checkpointsProposed.addAndGet(batch.size());
        proposer.apply(new LeaseCheckpointRequest(batch)).whenComplete((r, e) -> {
            if (e != null) {
                LOG.debug("member {}: a checkpoint of {} leases not applied: {}", hex(memberId), batch.size(),
                        e.toString());
            }
        });
    }

    /** Lock held: requests that waited longer than {@link #WAIT_LIMIT} are refused (retryable), not kept forever. */
    private void refuseLongWaits(long now, List<CompletableFuture<?>> late) {
        long limit = WAIT_LIMIT.toNanos();
        for (Iterator<Ready> it = waitingForReady.iterator(); it.hasNext(); ) {
            Ready r = it.next();
            if (r.future().isDone() || now - r.since() > limit) {
                it.remove();
                late.add(r.future());
            }
        }
        for (Iterator<Long> ids = withWaiters.iterator(); ids.hasNext(); ) {
            Tracked t = leases.get(ids.next());
            if (t != null && t.waiters != null) {
                for (Iterator<Waiter<Long>> it = t.waiters.iterator(); it.hasNext(); ) {
                    Waiter<Long> w = it.next();
                    if (w.future().isDone() || now - w.since() > limit) {
                        it.remove();
                        late.add(w.future());
                    }
                }
                if (t.waiters.isEmpty()) t.waiters = null;
            }
            if (t == null || t.waiters == null) ids.remove();
        }
    }

    /** Lock held, as for every proposal of this lessor: they reach the raft thread in the order decided here. */
    private void propose(LeaseExpireBatchRequest expiries) {
        int n = expiries.expiries().size();
        long first = expiries.expiries().get(0).id();
        proposer.apply(expiries).whenComplete((r, e) -> {
            if (e != null) {
                LOG.info("member {}: expiry of {} lease(s) from {} not applied ({}); retried while this member leads",
                        hex(memberId), n, hex(first), e.toString());
            } else if (r instanceof LeaseExpireBatchResponse x) {
                LOG.debug("member {}: {} of {} lease(s) from {} expired, revision now {}", hex(memberId),
                        x.results().stream().filter(LeaseExpireResponse::revoked).count(), n, hex(first),
                        x.revision());
            }
        });
    }

    // ------------------------------------------------------------------ queries

    /**
     * Sets the lease checkpoint interval (etcd's {@code --experimental-lease-checkpoint-interval}; default
     * {@link #DEFAULT_CHECKPOINT_INTERVAL}); leases already tracked get their next checkpoint one interval from now.
     */
    public void checkpointInterval(Duration interval) {
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval " + interval);
        synchronized (lock) {
            checkpointIntervalNanos = interval.toNanos();
            // Leases tracked already follow the new interval from now on.
            long now = clock.getAsLong();
            checkpointsDue.clear();
            for (Map.Entry<Long, Tracked> l : leases.entrySet()) {
                Tracked t = l.getValue();
                t.checkpointQueuedAt = 0;
                if (TimeUnit.SECONDS.toNanos(t.ttlSeconds) > checkpointIntervalNanos) {
                    t.checkpointQueuedAt = now + checkpointIntervalNanos;
                    checkpointsDue.add(new Deadline(t.checkpointQueuedAt, l.getKey()));
                }
            }
        }
    }

    /** How many lease checkpoints (remaining times, not entries) this lessor has proposed. */
    public long checkpointsProposed() {
        return checkpointsProposed.get();
    }

    /** How many keep-alives this lessor has answered from memory. */
    public long renewals() {
        return renewals.get();
    }

    /**
     * How many times this lessor checked its leader lease to answer keep-alives renewed at once: once per batch of
     * keep-alives that arrived together ({@link #tryRenewAll}), however many it renewed.
     */
    public long renewalLeaseChecks() {
        return renewalLeaseChecks.get();
    }

    /**
     * Keep-alives this lessor was asked to renew one by one ({@link #renew}), each with a leader lease check of its
     * own: a single keep-alive, one of a batch whose own lease must wait (past its deadline or expiring, a checkpoint
     * to clear), or one of a batch whose wait failed (this member stopped leading meanwhile), retried on its own.
     */
    public long renewalsOneByOne() {
        return renewalsOneByOne.get();
    }

    /**
     * Batches of keep-alives that arrived together and could not be answered at once ({@link #renewAllLater}):
     * each waited once, as a whole, for this member to be ready or for one quorum round.
     */
    public long batchesWaited() {
        return batchesWaited.get();
    }

    /** How many expiries this lessor has decided on and handed to the proposer (applied or not). */
    public long expiriesProposed() {
        return expiriesProposed.get();
    }

    /** Whether this member is primary: it leads and tracks lease deadlines. */
    public boolean isPrimary() {
        synchronized (lock) {
            return primaryTerm != 0;
        }
    }

    /**
     * The lease's remaining time in nanoseconds (negative once past its deadline, until its expiry applies), or
     * empty when the lease is unknown. Throws {@link NotPrimaryException} when this member does not track deadlines.
     */
    public OptionalLong remainingNanos(long id) {
        synchronized (lock) {
            if (primaryTerm == 0) throw new NotPrimaryException(memberId);
            Tracked t = leases.get(id);
            return t == null ? OptionalLong.empty() : OptionalLong.of(t.deadline - clock.getAsLong());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }
}
