package io.keel.server;

/** No answer within the request timeout; a write's outcome is then unknown (it may still apply). */
public final class RequestTimeoutException extends KeelException {
    private final boolean clientDeadline;

    /** With a message saying what happened (created by the member; callers only catch it). */
    public RequestTimeoutException(String message) {
        this(message, false);
    }

    /**
     * As {@link #RequestTimeoutException(String)}; {@code clientDeadline}: the deadline that passed was the one the
     * client gave its call (a gRPC deadline), not the member's own request timeout.
     */
    public RequestTimeoutException(String message, boolean clientDeadline) {
        super(message);
        this.clientDeadline = clientDeadline;
    }

    /** Whether the deadline that passed was the client's own (etcd's clients then see "context deadline exceeded"). */
    public boolean clientDeadline() {
        return clientDeadline;
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
