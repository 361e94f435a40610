package io.keel.server.lease;

import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.storage.mvcc.AlreadyApplied;
import io.keel.storage.mvcc.ApplyResult;
import io.keel.storage.mvcc.LeaseExpireRequest;
import io.keel.storage.mvcc.LeaseExpireResponse;
import io.keel.storage.mvcc.LeaseGrantResponse;
import io.keel.storage.mvcc.LeaseRenewResponse;
import io.keel.storage.mvcc.LeaseRevokeRequest;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.Operation;
import io.keel.storage.mvcc.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keel.server.concurrent.NamedThreads;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The leader's lease clocks. Leases are state (granted, renewed, revoked through Raft entries); when one expires
 * is decided here, by the leader alone, on its monotonic clock, and carried out through Raft: the leader proposes a
 * {@link LeaseExpireRequest}, which deletes the lease's keys at one revision on every member once a quorum
 * commits it.
 *
 * <p>Only a primary lessor keeps deadlines. A member becomes primary when the empty entry of its own term applies
 * (everything of earlier terms has applied by then) and restarts every lease's time in full, plus an election
 * timeout (etcd's Promote): a failover never expires a lease early, at the cost of holding expired ones longer.
 * It stops being primary as soon as the raft thread reports another role (Demote). Expiries are proposed through
 * {@code proposer}, which refuses unless the member is leader <em>and holds its leader lease</em> at that moment:
 * an old leader cut off from the quorum never proposes one (etcd #12528, #15247), and one it proposed just before
 * could only apply if a quorum commits it.
 *
 * <p>Keep-alives are Raft entries ({@code LeaseRenewRequest}): applying one on the primary restarts the lease's
 * deadline. An expiry names the last entry the primary had applied when it decided; the store refuses it when a
 * renewal after that entry applied first, so a keep-alive already in the log when the leader decided wins.
 *
 * <p>Threads: {@link #leadershipChanged} from the raft thread, {@link #applied} from the apply thread, expiry scans
 * on this lessor's timer thread; queries from any thread. One lock guards the lot.
 */
public final class Lessor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Lessor.class);

    /** etcd's leaseRevokeRate: expiries proposed per second at most, so a mass expiry does not flood the log. */
    static final int MAX_EXPIRIES_PER_SECOND = 1000;
    static final Duration SCAN_INTERVAL = Duration.ofMillis(100);
    /** etcd's expiredLeaseRetryInterval: an expiry proposed but not applied by then is proposed again. */
    static final Duration EXPIRY_RETRY = Duration.ofSeconds(3);

    private record Deadline(long at, long id) {
    }

    private static final class Tracked {
        final long ttlSeconds;
        long deadline;

        Tracked(long ttlSeconds) {
            this.ttlSeconds = ttlSeconds;
        }
    }

    private final long memberId;
    private final long promoteExtensionNanos;
    private final LongSupplier clock;
    private final Function<Operation, CompletableFuture<Response>> proposer;
    private final ScheduledExecutorService timer;

    private final Object lock = new Object();
    private final Map<Long, Tracked> leases = new HashMap<>(); // primary only
    /**
     * Every member: when it applied each lease's last grant or keep-alive (its clock). Not a deadline, only what a
     * follower answers time-to-live from; unknown (full TTL) for leases not renewed since this process started.
     */
    private final Map<Long, Long> lastRenewedAt = new HashMap<>();
    private final PriorityQueue<Deadline> deadlines =
            new PriorityQueue<>((a, b) -> Long.compare(a.at() - b.at(), 0)); // stale items skipped on poll
    private long leaderTerm; // the term this member leads, as the raft thread last said; 0 when not leader
    private long primaryTerm; // the term in which it became primary; 0 when not primary
    private long lastApplied; // the last entry this lessor saw applied
    private final AtomicLong expiriesProposed = new AtomicLong();

    /**
     * @param promoteExtension added to every lease's TTL on promotion (etcd: the election timeout)
     * @param proposer proposes an expiry only if this member leads and holds its leader lease right then
     */
    public Lessor(long memberId, Duration promoteExtension, LongSupplier clock,
                  Function<Operation, CompletableFuture<Response>> proposer) {
        this.memberId = memberId;
        this.promoteExtensionNanos = promoteExtension.toNanos();
        this.clock = clock;
        this.proposer = proposer;
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
        synchronized (lock) {
            leaderTerm = s.role() == Role.LEADER ? s.term() : 0;
            if (primaryTerm != 0 && primaryTerm != leaderTerm) {
                LOG.info("member {} stops tracking lease expiry ({} in term {})", hex(memberId), s.role(), s.term());
                primaryTerm = 0;
                leases.clear();
                deadlines.clear();
            }
        }
    }

    // ------------------------------------------------------------------ apply thread

    /** Apply thread: entry {@code e} applied to {@code store} as {@code op}, with {@code result}. */
    public void applied(MvccStore store, Entry e, Operation op, ApplyResult result) {
        synchronized (lock) {
            lastApplied = Math.max(lastApplied, e.getIndex());
            if (result.response() instanceof AlreadyApplied) return;
            if (isOwnEmptyEntry(e) && primaryTerm == 0) {
                promote(store, e.getTerm());
                return;
            }
            if (result.refused()) return;
            Response r = result.response();
            long now = clock.getAsLong();
            rememberRenewal(op, r, now);
            if (primaryTerm == 0) return;
            if (r instanceof LeaseGrantResponse g) {
                track(g.id(), g.ttl(), now, 0);
            } else if (r instanceof LeaseRenewResponse renewed) {
                track(renewed.id(), renewed.ttl(), now, 0);
            } else if (op instanceof LeaseRevokeRequest revoke) {
                leases.remove(revoke.id());
            } else if (r instanceof LeaseExpireResponse x && x.revoked()) {
                leases.remove(x.id());
            }
        }
    }

    private void rememberRenewal(Operation op, Response r, long now) {
        if (r instanceof LeaseGrantResponse g) {
            lastRenewedAt.put(g.id(), now);
        } else if (r instanceof LeaseRenewResponse renewed) {
            lastRenewedAt.put(renewed.id(), now);
        } else if (op instanceof LeaseRevokeRequest revoke) {
            lastRenewedAt.remove(revoke.id());
        } else if (r instanceof LeaseExpireResponse x && x.revoked()) {
            lastRenewedAt.remove(x.id());
        }
    }

    /** The leader's empty entry of the term it leads: every entry of earlier terms has applied before it. */
    private boolean isOwnEmptyEntry(Entry e) {
        return e.getType() == EntryType.ENTRY_NORMAL && e.getData().isEmpty() && leaderTerm != 0
                && e.getTerm() == leaderTerm;
    }

    private void promote(MvccStore store, long term) {
        Map<Long, Long> ttls = store.leaseTtls();
        long now = clock.getAsLong();
        leases.clear();
        deadlines.clear();
        for (Map.Entry<Long, Long> l : ttls.entrySet()) track(l.getKey(), l.getValue(), now, promoteExtensionNanos);
        primaryTerm = term;
        LOG.info("member {} tracks lease expiry in term {}: {} leases restarted in full", hex(memberId), term,
                ttls.size());
    }

    private void track(long id, long ttlSeconds, long now, long extension) {
        Tracked t = new Tracked(ttlSeconds);
        t.deadline = now + TimeUnit.SECONDS.toNanos(ttlSeconds) + extension;
        leases.put(id, t);
        deadlines.add(new Deadline(t.deadline, id));
    }

    // ------------------------------------------------------------------ timer thread

    /** Proposes expiries for leases past their deadline, at most the rate allows per scan. */
    void expireDue() {
        try {
            int budget = (int) Math.max(1, MAX_EXPIRIES_PER_SECOND * SCAN_INTERVAL.toMillis() / 1000);
            long now = clock.getAsLong();
            synchronized (lock) {
                if (primaryTerm == 0) return;
                while (budget > 0 && !deadlines.isEmpty() && deadlines.peek().at() - now <= 0) {
                    Deadline d = deadlines.poll();
                    Tracked t = leases.get(d.id());
                    if (t == null || t.deadline != d.at()) continue; // revoked or renewed since
                    // Until the expiry applies (or fails), look again only after the retry interval.
                    t.deadline = now + EXPIRY_RETRY.toNanos();
                    deadlines.add(new Deadline(t.deadline, d.id()));
                    expiriesProposed.incrementAndGet();
                    propose(new LeaseExpireRequest(d.id(), lastApplied));
                    budget--;
                }
            }
        } catch (RuntimeException e) {
            LOG.error("member {}: lease expiry scan failed: {}", hex(memberId), e.toString(), e); // next scan retries
        }
    }

    private void propose(LeaseExpireRequest expire) {
        proposer.apply(expire).whenComplete((r, e) -> {
            if (e != null) {
                LOG.info("member {}: expiry of lease {} not applied ({}); retried while this member leads",
                        hex(memberId), hex(expire.id()), e.toString());
            } else if (r instanceof LeaseExpireResponse x && x.revoked()) {
                LOG.debug("member {}: lease {} expired at revision {}", hex(memberId), hex(expire.id()),
                        x.revision());
            }
        });
    }

    // ------------------------------------------------------------------ queries

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

    /**
     * A follower's view of the lease's remaining time: its TTL less the time since this member applied its last
     * grant or keep-alive (the full TTL if none since this process started). Only an estimate: the leader decides
     * expiry by its own deadline, set when it applied the same entry (a moment before a follower does) or restarted
     * in full when it took over.
     */
    public long followerRemainingNanos(long id, long ttlSeconds) {
        synchronized (lock) {
            Long at = lastRenewedAt.get(id);
            long ttl = TimeUnit.SECONDS.toNanos(ttlSeconds);
            return at == null ? ttl : ttl - (clock.getAsLong() - at);
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
