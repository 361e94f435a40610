package io.keel.server;

/** Back-pressure: too many requests are already waiting at this member (or in Raft's log). Retry after a pause. */
public final class OverloadedException extends KeelException {
    /** With a message saying what happened (created by the member; callers only catch it). */
    public OverloadedException(String message) {
        super(message);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
