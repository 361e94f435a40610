package io.keel.server.lease;

import io.keel.raft.Role;
import io.keel.server.concurrent.Futures;
import io.keel.server.member.Member;
import io.keel.storage.mvcc.EtcdError;
import io.keel.storage.mvcc.LeaseGrantRequest;
import io.keel.storage.mvcc.LeaseGrantResponse;
import io.keel.storage.mvcc.LeaseInfo;
import io.keel.storage.mvcc.LeaseRenewRequest;
import io.keel.storage.mvcc.LeaseRenewResponse;
import io.keel.storage.mvcc.LeaseRevokeRequest;
import io.keel.storage.mvcc.LeaseRevokeResponse;
import io.keel.storage.mvcc.MvccException;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * etcd's Lease service over a member, for both faces (the embedded {@code Keel} API and gRPC). Grant, revoke and
 * keep-alive are Raft entries; time-to-live is the leader's clock plus its store.
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

    /** One keep-alive: the lease's granted TTL, or 0 when there is no such lease (etcd's answer). */
    public CompletableFuture<Long> renew(long id) {
        return member.propose(new LeaseRenewRequest(id)).handle((r, e) -> {
            if (e == null) return ((LeaseRenewResponse) r).ttl();
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof MvccException m && m.error() == EtcdError.LEASE_NOT_FOUND) return 0L;
            throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
        });
    }

    /**
     * The lease's remaining time, granted TTL and (if asked) keys; empty when there is no such lease. The leader
     * answers from its deadlines (at a leader still applying its predecessor's entries: {@link NotPrimaryException},
     * retryable); a follower from its own store and the time since it applied the lease's last grant or keep-alive,
     * an estimate of the leader's deadline (etcd's follower asks the leader instead).
     */
    public Optional<LeaseStatus> timeToLive(long id, boolean withKeys) {
        if (member.state().role() != Role.LEADER) {
            Optional<LeaseInfo> info = member.readSerializable(store -> store.lease(id));
            if (info.isEmpty()) return Optional.empty();
            long nanos = member.lessor().followerRemainingNanos(id, info.get().grantedTtl());
            return Optional.of(new LeaseStatus(id, Math.max(0, nanos / TimeUnit.SECONDS.toNanos(1)),
                    info.get().grantedTtl(), withKeys ? info.get().keys() : List.of()));
        }
        OptionalLong remaining = member.lessor().remainingNanos(id);
        if (remaining.isEmpty()) return Optional.empty();
        Optional<LeaseInfo> info = member.readSerializable(store -> store.lease(id));
        if (info.isEmpty()) return Optional.empty(); // revoked a moment ago
        long seconds = remaining.getAsLong() / TimeUnit.SECONDS.toNanos(1); // truncated toward zero, as etcd
        return Optional.of(new LeaseStatus(id, seconds, info.get().grantedTtl(),
                withKeys ? info.get().keys() : List.of()));
    }
}
