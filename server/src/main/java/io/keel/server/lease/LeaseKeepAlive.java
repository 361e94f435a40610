package io.keel.server.lease;

import io.keel.server.KeelException;
import io.keel.server.concurrent.Futures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keel.server.concurrent.NamedThreads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * Keeps a lease alive until closed, the way etcd's client does: a keep-alive at once, then one every third of the
 * TTL the last answer gave; after a failure (no leader, say) another try shortly. Once an answer says the lease
 * is gone (TTL 0) it stops and completes {@link #lost()}. Runs on a daemon thread of its own.
 */
public final class LeaseKeepAlive implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeepAlive.class);
    /** etcd's client retries a failed keep-alive after half a second. */
    static final Duration RETRY = Duration.ofMillis(500);

    private final long id;
    /** Who keeps the lease alive, for the log: "member 1", or "a client". */
    private final String owner;
    private final LongFunction<CompletableFuture<Long>> renew;
    private final ScheduledExecutorService timer;
    private final CompletableFuture<Void> lost = new CompletableFuture<>();
    private volatile long lastTtl = -1;
    private volatile boolean closed;

    /** Starts keeping lease {@code id} alive with {@code renew} (one keep-alive: the TTL, 0 when the lease is gone). */
    public LeaseKeepAlive(long id, LongFunction<CompletableFuture<Long>> renew) {
        this("a client", id, renew);
    }

    /** As {@link #LeaseKeepAlive(long, LongFunction)}; log lines name {@code owner} (e.g. "member 1"). */
    public LeaseKeepAlive(String owner, long id, LongFunction<CompletableFuture<Long>> renew) {
        this.owner = owner;
        this.id = id;
        this.renew = renew;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                NamedThreads.single("keel-keepalive-" + Long.toHexString(id)));
        timer.execute(this::renewNow);
    }

    /** The lease kept alive. */
    public long id() {
        return id;
    }

    /** The TTL of the last successful keep-alive (seconds); -1 before the first, 0 once the lease is gone. */
    public long lastTtl() {
        return lastTtl;
    }

    /** Completes when a keep-alive finds the lease gone (revoked or expired). */
    public CompletableFuture<Void> lost() {
        return lost;
    }

    private void renewNow() {
        if (closed) return;
        CompletableFuture<Long> f;
        try {
            f = renew.apply(id);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((ttl, e) -> {
            if (closed) return;
            if (e != null) {
                Throwable cause = Futures.unwrap(e);
                if (cause instanceof KeelException k && k.retryable()) {
                    LOG.debug("{}: keep-alive of lease {} failed, retrying: {}", owner, Long.toHexString(id),
                            cause.toString());
                } else {
                    LOG.warn("{}: keep-alive of lease {} failed, retrying: {}", owner, Long.toHexString(id),
                            cause.toString());
                }
                schedule(RETRY.toNanos());
            } else if (ttl <= 0) {
                lastTtl = 0;
                lost.complete(null);
                close();
            } else {
                lastTtl = ttl;
                schedule(Math.max(RETRY.toNanos(), TimeUnit.SECONDS.toNanos(ttl) / 3));
            }
        });
    }

    private void schedule(long delayNanos) {
        try {
            timer.schedule(this::renewNow, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Whether {@link #close()} was called, or the lease was found gone (then it closed itself). */
    public boolean isClosed() {
        return closed;
    }

    /** Stops keeping the lease alive; the lease then expires after its TTL unless someone else keeps it alive. */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }
}
