package io.keel.server.membership;

import io.keel.server.KeelException;

/** A membership change refused: etcd's membership errors, each with its reason. */
public final class MembershipException extends KeelException {
    public enum Reason {
        MEMBER_NOT_FOUND, PEER_URL_EXISTS, BAD_URLS, NOT_LEARNER, LEARNER_NOT_READY, TOO_MANY_LEARNERS,
        /** --strict-reconfig-check: too few started members would remain (etcd's ErrNotEnoughStartedMembers). */
        NOT_ENOUGH_STARTED,
        /** --strict-reconfig-check: the leader does not hear from enough voters (etcd's ErrUnhealthy). */
        UNHEALTHY,
        /** Raft refused the change (for example, removing the last voter). */
        REFUSED
    }

    private final Reason reason;

    public MembershipException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public boolean retryable() {
        return reason == Reason.LEARNER_NOT_READY;
    }
}
