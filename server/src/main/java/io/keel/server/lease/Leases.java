package io.keel.server.lease;

import io.keel.server.concurrent.Futures;
import io.keel.server.member.Member;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.LeaseInfo;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.LeaseRevokeResponse;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * etcd's Lease service over a member, for both faces (the embedded {@code Keel} API and gRPC). Grant and revoke are
 * Raft entries; a keep-alive is answered by the leader's lessor from memory and time-to-live by the leader's clock
 * (both forwarded to the leader outside the log by a follower: {@link LeaseForwarder}).
 */
public final class Leases {
    private final Member member;
    /** Signalled by the apply thread after each applied batch while a caller waits in {@link #awaitApplied}. */
    private final Object applied = new Object();
    private final java.util.concurrent.atomic.AtomicInteger waitingForApplied =
            new java.util.concurrent.atomic.AtomicInteger();

    public Leases(Member member) {
        this.member = member;
        member.onApplied(this::wakeWaitersForApplied);
    }

    /** Apply thread: must not block; costs one volatile read when nobody waits (the common case). */
    private void wakeWaitersForApplied() {
        if (waitingForApplied.get() == 0) return;
        synchronized (applied) {
            applied.notifyAll();
        }
    }

    /**
     * Grants a lease of {@code ttlSeconds} (raised to etcd's minimum), with id {@code id} or, with 0, one the store
     * picks from the entry's Raft index: the same on every member and never one in use, whichever member proposed.
     */
    public CompletableFuture<LeaseGrantResponse> grant(long id, long ttlSeconds) {
        long ttl = Math.max(ttlSeconds, member.lessor().minTtlSeconds());
        return member.propose(new LeaseGrantRequest(id, ttl)).thenApply(LeaseGrantResponse.class::cast);
    }

    /** Revokes the lease, deleting its keys at one revision; LEASE_NOT_FOUND if there is no such lease. */
    public CompletableFuture<LeaseRevokeResponse> revoke(long id) {
        return member.propose(new LeaseRevokeRequest(id)).thenApply(LeaseRevokeResponse.class::cast);
    }

    /**
     * One keep-alive, answered by the leader from memory (no Raft entry; a follower forwards it): the lease's
     * granted TTL, or 0 when there is no such lease (etcd's answer).
     */
    public CompletableFuture<Long> renew(long id) {
        return member.leaseForwarder().keepAlive(id);
    }

    /**
     * Keep-alives that arrived together (a keep-alive stream's burst), each answered through {@code answers} at its
     * position as {@link #renew} would answer it (see {@link LeaseForwarder#keepAliveAll}).
     */
    public void renewAll(long[] ids, int n, KeepAliveAnswers answers) {
        member.leaseForwarder().keepAliveAll(ids, n, answers);
    }

    /**
     * The lease's remaining time by the leader's clock (at any member: a follower asks the leader, as etcd's does),
     * its granted TTL and (if asked) keys; empty when there is no such lease. The granted TTL and keys are read
     * here once this member has applied what the leader had applied when it answered. Throws what the forwarder
     * fails with ({@link NotPrimaryException} and the like are retryable).
     */
    public Optional<LeaseStatus> timeToLive(long id, boolean withKeys) {
        Lessor.Remaining remaining;
        try {
            remaining = member.leaseForwarder().remaining(id).join();
            awaitApplied(remaining.appliedIndex());
        } catch (CompletionException e) {
            Throwable cause = Futures.unwrap(e);
            throw cause instanceof RuntimeException re ? re : e;
        }
        if (!remaining.found()) return Optional.empty();
        Optional<LeaseInfo> info = member.readSerializable(store -> store.lease(id));
        if (info.isEmpty()) return Optional.empty(); // revoked a moment ago
        long seconds = remaining.remainingNanos() / TimeUnit.SECONDS.toNanos(1); // truncated toward zero, as etcd
        return Optional.of(new LeaseStatus(id, seconds, info.get().grantedTtl(),
                withKeys ? info.get().keys() : List.of()));
    }

    /**
     * Waits (briefly: the leader had applied it, so it is committed) until this member has applied {@code index}.
     * Woken by the apply thread; the index is checked under the lock the apply thread signals with, after announcing
     * the wait, so a batch applied between the check and the wait still wakes it.
     */
    private void awaitApplied(long index) {
        if (member.appliedIndex() >= index) return;
        long deadline = System.nanoTime() + member.electionTimeout().multipliedBy(10).toNanos();
        waitingForApplied.incrementAndGet();
        try {
            synchronized (applied) {
                while (member.appliedIndex() < index) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new io.keel.server.RequestTimeoutException("member " + Long.toHexString(member.id())
                                + " did not apply index " + index + " in time to answer a lease's time-to-live");
                    }
                    TimeUnit.NANOSECONDS.timedWait(applied, left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.keel.server.RequestTimeoutException("interrupted while waiting for index " + index
                    + " to apply");
        } finally {
            waitingForApplied.decrementAndGet();
        }
    }
}
