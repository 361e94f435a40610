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

    public Leases(Member member) {
        this.member = member;
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

    /** Waits (briefly: the leader had applied it, so it is committed) until this member has applied {@code index}. */
    private void awaitApplied(long index) {
        long deadline = System.nanoTime() + member.electionTimeout().multipliedBy(10).toNanos();
        while (member.appliedIndex() < index) {
            if (System.nanoTime() - deadline > 0) {
                throw new io.keel.server.RequestTimeoutException("member " + Long.toHexString(member.id())
                        + " did not apply index " + index + " in time to answer a lease's time-to-live");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }
}
