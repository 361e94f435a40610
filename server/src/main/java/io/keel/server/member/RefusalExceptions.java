package io.keel.server.member;

import io.keel.raft.runtime.Refusal;
import io.keel.server.MemberStoppedException;
import io.keel.server.NotLeaderException;
import io.keel.server.OverloadedException;
import io.keel.server.ProposalLostException;
import io.keel.server.ProposalRefusedException;
import io.keel.server.ReadRejectedException;
import io.keel.server.RequestTimeoutException;

/**
 * The one place where a refusal from raft-core ({@link Refusal}, typed by {@link Refusal.Kind}) becomes the server's
 * exception, which the gRPC layer maps to etcd's code and text by type ({@code grpc.EtcdStatus}): no message is
 * parsed anywhere on the way.
 */
final class RefusalExceptions {
    private RefusalExceptions() {
    }

    /** The exception member {@code memberId} answers {@code refusal} with. */
    static RuntimeException of(long memberId, Refusal refusal) {
        String why = refusal.getMessage();
        return switch (refusal.kind()) {
            // A transfer under way refuses as "not the leader": the client retries, at the new leader once known.
            case NOT_LEADER, LEADERSHIP_TRANSFER -> new NotLeaderException(memberId, refusal.leaderHint(), why);
            case NO_LEADER -> new NotLeaderException(memberId, 0, why);
            case OVERLOADED -> new OverloadedException(why);
            case TOO_LARGE -> new ProposalRefusedException(ProposalRefusedException.Reason.TOO_LARGE, why);
            case CONF_CHANGE_PENDING -> new ProposalRefusedException(
                    ProposalRefusedException.Reason.CONF_CHANGE_PENDING, why);
            case INVALID_CONF_CHANGE -> new ProposalRefusedException(
                    ProposalRefusedException.Reason.INVALID_CONF_CHANGE, why);
            // LOST: another term's entry applied at the write's index. UNKNOWN: with the server's own request timer
            // (the runtime's deadline then never passes) only a snapshot covering the write; both as today.
            case LOST, UNKNOWN -> new ProposalLostException(why);
            case READ_REJECTED -> new ReadRejectedException(why);
            case READ_TIMED_OUT -> new RequestTimeoutException(why);
            case STOPPED -> new MemberStoppedException(why, refusal);
        };
    }
}
