package io.keel.server;

/** No answer within the request timeout; a write's outcome is then unknown (it may still apply). */
public final class RequestTimeoutException extends KeelException {
    /** With a message saying what happened (created by the member; callers only catch it). */
    public RequestTimeoutException(String message) {
        super(message);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
