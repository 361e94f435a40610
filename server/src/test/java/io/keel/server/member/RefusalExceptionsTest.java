package io.keel.server.member;

import io.keel.raft.runtime.Refusal;
import io.keel.server.MemberStoppedException;
import io.keel.server.NotLeaderException;
import io.keel.server.OverloadedException;
import io.keel.server.ProposalLostException;
import io.keel.server.ProposalRefusedException;
import io.keel.server.ReadRejectedException;
import io.keel.server.RequestTimeoutException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every refusal kind becomes the server exception the gRPC layer maps to etcd's answer: the leader hint survives
 * a NOT_LEADER, a pending membership change is told from a forbidden one, and a write that may have applied is
 * never reported as plainly refused.
 */
class RefusalExceptionsTest {
    private static final long ME = 0xa;

    private static RuntimeException of(Refusal.Kind kind, long hint) {
        return RefusalExceptions.of(ME, new Refusal(kind, hint, "because " + kind));
    }

    @Test
    void notLeaderKeepsTheLeaderHintAndNoLeaderHasNone() {
        NotLeaderException notLeader = assertInstanceOf(NotLeaderException.class, of(Refusal.Kind.NOT_LEADER, 7));
        assertEquals(7, notLeader.leaderHint());
        assertTrue(notLeader.getMessage().contains("because NOT_LEADER"), notLeader.getMessage());
        assertEquals(7, assertInstanceOf(NotLeaderException.class, of(Refusal.Kind.LEADERSHIP_TRANSFER, 7))
                .leaderHint());
        assertEquals(0, assertInstanceOf(NotLeaderException.class, of(Refusal.Kind.NO_LEADER, 7)).leaderHint());
    }

    @Test
    void membershipRefusalsKeepTheirReason() {
        assertEquals(ProposalRefusedException.Reason.CONF_CHANGE_PENDING, assertInstanceOf(
                ProposalRefusedException.class, of(Refusal.Kind.CONF_CHANGE_PENDING, 0)).reason());
        assertEquals(ProposalRefusedException.Reason.INVALID_CONF_CHANGE, assertInstanceOf(
                ProposalRefusedException.class, of(Refusal.Kind.INVALID_CONF_CHANGE, 0)).reason());
        assertEquals(ProposalRefusedException.Reason.TOO_LARGE, assertInstanceOf(
                ProposalRefusedException.class, of(Refusal.Kind.TOO_LARGE, 0)).reason());
    }

    @Test
    void everyOtherKindHasItsOwnType() {
        assertInstanceOf(OverloadedException.class, of(Refusal.Kind.OVERLOADED, 0));
        assertInstanceOf(ProposalLostException.class, of(Refusal.Kind.LOST, 0));
        assertInstanceOf(ProposalLostException.class, of(Refusal.Kind.UNKNOWN, 0));
        assertInstanceOf(ReadRejectedException.class, of(Refusal.Kind.READ_REJECTED, 0));
        assertInstanceOf(RequestTimeoutException.class, of(Refusal.Kind.READ_TIMED_OUT, 0));
        MemberStoppedException stopped = assertInstanceOf(MemberStoppedException.class, of(Refusal.Kind.STOPPED, 0));
        assertTrue(stopped.getMessage().contains("because STOPPED"), stopped.getMessage());
    }

    @Test
    void aWriteThatMayHaveAppliedIsNeverAnsweredAsRefused() {
        for (Refusal.Kind kind : Refusal.Kind.values()) {
            RuntimeException e = of(kind, 0);
            if (kind.mayHaveApplied()) {
                assertTrue(e instanceof ProposalLostException || e instanceof MemberStoppedException
                        || e instanceof RequestTimeoutException, kind + " became " + e);
            }
        }
    }
}
