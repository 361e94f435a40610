package io.keel.server;

/**
 * A client request refused before anything was proposed, because of what it asks: it never succeeds as it is, and
 * nothing changed. The gRPC layer answers each reason with etcd's status and text (grpc.EtcdStatus).
 */
public final class InvalidRequestException extends KeelException {
    /** Why the request was refused. */
    public enum Reason {
        /** A transaction with more operations in one list than the member allows (etcd's --max-txn-ops). */
        TOO_MANY_TXN_OPS,
        /** An enum value this build does not know (a newer client's sort order, compare result or target). */
        UNKNOWN_ENUM
    }

    private final Reason reason;

    /** Refused for {@code reason}, described by {@code message}. */
    public InvalidRequestException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
