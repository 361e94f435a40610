package io.keel.server.space;

import io.keel.server.Keel;
import io.keel.server.concurrent.Futures;
import io.keel.server.concurrent.NamedThreads;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * etcd's auto-compactor (etcdserver/api/v3compactor), run by every member and acting only while it leads, so the
 * cluster compacts once; compactions are ordinary Raft entries.
 *
 * <ul>
 * <li>periodic, retention P: every P/10 (at most every 6 minutes) it notes the store's revision; once P has passed
 * since the last compaction (at most an hour), it compacts to the revision noted P ago. History younger than P is
 * always kept.</li>
 * <li>revision, retention N: every 5 minutes it compacts to the current revision less N, if that moved.</li>
 * </ul>
 * A compaction refused because the store is already compacted past it counts as done, as in etcd.
 */
public final class AutoCompactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AutoCompactor.class);
    /** etcd's revInterval. */
    static final Duration REVISION_CHECK_EVERY = Duration.ofMinutes(5);
    private static final Duration SHORTEST_TICK = Duration.ofMillis(10);

    private final Keel keel;
    private final AutoCompaction settings;
    private final ScheduledExecutorService timer;
    // Periodic mode (timer thread only).
    private final ArrayDeque<Long> revisions = new ArrayDeque<>();
    private int keep;
    private long lastSuccessNanos;
    private Duration wait;
    private Duration compactEvery;
    // Revision mode (timer thread only).
    private long lastCompactedTo;

    private AutoCompactor(Keel keel, AutoCompaction settings, Duration revisionCheckEvery) {
        this.keel = keel;
        this.settings = settings;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                NamedThreads.single("keel-auto-compact-" + Long.toHexString(keel.memberId())));
        if (settings.mode() == AutoCompaction.Mode.PERIODIC) {
            Duration period = settings.period();
            compactEvery = period.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : period;
            Duration tick = max(compactEvery.dividedBy(10), SHORTEST_TICK);
            keep = (int) Math.min(period.toNanos() / tick.toNanos() + 1, 100_000);
            wait = period;
            lastSuccessNanos = System.nanoTime();
            timer.scheduleWithFixedDelay(this::periodicTick, 0, tick.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            timer.scheduleWithFixedDelay(this::revisionTick, revisionCheckEvery.toNanos(),
                    revisionCheckEvery.toNanos(), TimeUnit.NANOSECONDS);
        }
        LOG.info("member {}: auto-compaction {} keeping {}", Long.toHexString(keel.memberId()),
                settings.mode().name().toLowerCase(java.util.Locale.ROOT),
                settings.mode() == AutoCompaction.Mode.PERIODIC ? settings.period() : settings.revisions()
                        + " revisions");
    }

    /** Starts auto-compaction for {@code keel}, or returns null when {@code settings} turn it off. */
    public static AutoCompactor start(Keel keel, AutoCompaction settings) {
        return start(keel, settings, REVISION_CHECK_EVERY);
    }

    /** As {@link #start(Keel, AutoCompaction)}, with revision mode checking this often (tests). */
    static AutoCompactor start(Keel keel, AutoCompaction settings, Duration revisionCheckEvery) {
        return settings.enabled() ? new AutoCompactor(keel, settings, revisionCheckEvery) : null;
    }

    private void periodicTick() {
        try {
            revisions.addLast(keel.revision());
            while (revisions.size() > keep) revisions.removeFirst();
            if (System.nanoTime() - lastSuccessNanos < wait.toNanos() || !keel.isLeader()) return;
            wait = compactEvery;
            if (compact(revisions.peekFirst())) lastSuccessNanos = System.nanoTime();
        } catch (RuntimeException e) {
            LOG.warn("auto-compaction tick failed: {}", e.toString());
        }
    }

    private void revisionTick() {
        try {
            if (!keel.isLeader()) return;
            long to = keel.revision() - settings.revisions();
            if (to <= 0 || to == lastCompactedTo) return;
            if (compact(to)) lastCompactedTo = to;
        } catch (RuntimeException e) {
            LOG.warn("auto-compaction tick failed: {}", e.toString());
        }
    }

    /** Compacts to {@code revision}; true when done (or already done). */
    private boolean compact(long revision) {
        try {
            keel.writeAsync(new CompactRequest(revision)).join();
            LOG.info("auto-compaction: compacted to revision {}", revision);
            return true;
        } catch (RuntimeException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof RevisionCompactedException) return true;
            LOG.warn("auto-compaction to revision {} failed: {}", revision, cause.toString());
            return false;
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
