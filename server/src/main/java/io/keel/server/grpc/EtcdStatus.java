package io.keel.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.InvalidRequestException;
import io.keel.server.LeaderTransferException;
import io.keel.server.MemberStoppedException;
import io.keel.server.NotLeaderException;
import io.keel.server.OverloadedException;
import io.keel.server.ProposalLostException;
import io.keel.server.ProposalRefusedException;
import io.keel.server.ReadRejectedException;
import io.keel.server.RequestTimeoutException;
import io.keel.server.concurrent.Futures;
import io.keel.server.membership.MembershipException;
import io.keel.storage.mvcc.api.MvccException;


/**
 * Keel's failures as the gRPC status etcd sends for the same situation: the same code and the same text, since Go
 * clientv3 recognises errors by their text (see shared/notes/etcd-compat.md).
 */
final class EtcdStatus {
    static final String NO_LEADER = "etcdserver: no leader";
    static final String LEADER_CHANGED = "etcdserver: leader changed";
    static final String TIMED_OUT = "etcdserver: request timed out";
    static final String STOPPED = "etcdserver: server stopped";
    static final String TOO_MANY_REQUESTS = "etcdserver: too many requests";
    static final String TOO_LARGE = "etcdserver: request is too large";
    static final String TOO_MANY_OPS = "etcdserver: too many operations in txn request";
    static final String NOT_LEADER = "etcdserver: not leader";
    static final String BAD_TRANSFEREE = "etcdserver: bad leader transferee";
    /** Go's context.DeadlineExceeded, as gRPC sends it for etcd. */
    static final String DEADLINE_EXCEEDED = "context deadline exceeded";
    static final String TRANSFER_TIMED_OUT = "etcdserver: request timed out, leader transfer took too long";

    private EtcdStatus() {
    }

    /** A request refused before it reached the member, with its status. */
    static final class Refused extends RuntimeException {
        final Status status;

        Refused(Status code, String message) {
            super(message, null, false, false);
            this.status = code.withDescription(message);
        }
    }

    static StatusRuntimeException of(Throwable t, long leaderId) {
        return status(Futures.unwrap(t), leaderId).asRuntimeException();
    }

    private static Status status(Throwable t, long leaderId) {
        if (t instanceof Refused r) return r.status;
        if (t instanceof StatusRuntimeException s) return s.getStatus();
        if (t instanceof io.keel.server.auth.AuthException a) {
            return Status.fromCode(Status.Code.valueOf(a.error().grpcCode())).withDescription(a.getMessage());
        }
        if (t instanceof MvccException m) {
            return Status.fromCode(Status.Code.valueOf(m.error().code().name())).withDescription(m.getMessage());
        }
        if (t instanceof NotLeaderException n) {
            // A follower forwards writes to the leader, so this means no leader is known, or the leader is handing
            // leadership over (etcd answers "leader changed" then). UNAVAILABLE: clients retry.
            if (n.leaderHint() == 0) return Status.UNAVAILABLE.withDescription(NO_LEADER);
            return Status.UNAVAILABLE.withDescription(LEADER_CHANGED);
        }
        if (t instanceof RequestTimeoutException r && r.clientDeadline()) {
            // The client's own deadline: etcd's server hands Go's context error to gRPC, which sends this (the
            // client, past its deadline, reports the same by itself).
            return Status.DEADLINE_EXCEEDED.withDescription(DEADLINE_EXCEEDED);
        }
        if (t instanceof ReadRejectedException || t instanceof RequestTimeoutException) {
            // Gave up waiting (a linearizable read waits for a leader to confirm it): with no leader known, say
            // so, as etcd does, so the client moves to another member.
            return Status.UNAVAILABLE.withDescription(leaderId == 0 ? NO_LEADER : TIMED_OUT);
        }
        if (t instanceof ProposalLostException) return Status.UNAVAILABLE.withDescription(LEADER_CHANGED);
        if (t instanceof OverloadedException) return Status.RESOURCE_EXHAUSTED.withDescription(TOO_MANY_REQUESTS);
        if (t instanceof ProposalRefusedException p && p.reason() == ProposalRefusedException.Reason.TOO_LARGE) {
            return Status.INVALID_ARGUMENT.withDescription(TOO_LARGE); // Raft's entry size limit
        }
        if (t instanceof InvalidRequestException i) {
            return switch (i.reason()) {
                case TOO_MANY_TXN_OPS -> Status.INVALID_ARGUMENT.withDescription(TOO_MANY_OPS);
                case UNKNOWN_ENUM -> Status.INVALID_ARGUMENT.withDescription(i.getMessage());
            };
        }
        if (t instanceof MembershipException m) return membership(m);
        if (t instanceof LeaderTransferException l) {
            return switch (l.reason()) {
                case NOT_LEADER -> Status.FAILED_PRECONDITION.withDescription(NOT_LEADER);
                case BAD_TRANSFEREE -> Status.FAILED_PRECONDITION.withDescription(BAD_TRANSFEREE);
                case TIMED_OUT -> Status.UNAVAILABLE.withDescription(TRANSFER_TIMED_OUT);
            };
        }
        if (t instanceof MemberStoppedException) return Status.UNAVAILABLE.withDescription(STOPPED);
        return Status.UNKNOWN.withDescription(String.valueOf(t.getMessage())).withCause(t);
    }

    /** etcd's codes for its membership errors (api/v3rpc/rpctypes); the texts come with the exception. */
    private static Status membership(MembershipException m) {
        Status code = switch (m.reason()) {
            case MEMBER_NOT_FOUND -> Status.NOT_FOUND;
            case BAD_URLS -> Status.INVALID_ARGUMENT;
            case UNHEALTHY -> Status.UNAVAILABLE;
            default -> Status.FAILED_PRECONDITION;
        };
        return code.withDescription(m.getMessage());
    }
}
