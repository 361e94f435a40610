package io.keel.server;

/**
 * Raft refused the write for good (for instance larger than the largest entry), or a membership change cannot go
 * in now: {@link #reason()} says which, so callers decide by it and never by the message's text.
 */
public final class ProposalRefusedException extends KeelException {
    /** Why Raft refused. */
    public enum Reason {
        /** The entry alone exceeds the largest Raft message: it will never be accepted. */
        TOO_LARGE,
        /** An earlier membership change is not applied yet (one at a time): may be accepted once it is. */
        CONF_CHANGE_PENDING,
        /** The membership change is not allowed in the current configuration; the message says why. */
        INVALID_CONF_CHANGE
    }

    private final Reason reason;

    public ProposalRefusedException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public boolean retryable() {
        return reason == Reason.CONF_CHANGE_PENDING;
    }
}
