package io.keel.server;

/**
 * The write did not take effect: another entry took its place in the log after a leadership change, or its
 * outcome cannot be known here (it was covered by a snapshot). Retrying a non-idempotent write may apply it twice
 * only in the "unknown" case, which the message states.
 */
public final class ProposalLostException extends KeelException {
    /** With a message saying what happened (created by the member; callers only catch it). */
    public ProposalLostException(String message) {
        super(message);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
