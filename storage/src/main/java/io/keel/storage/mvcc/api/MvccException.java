package io.keel.storage.mvcc.api;

/**
 * An operation refused with one of etcd's errors. The message is etcd's text, ready for the gRPC status.
 * The store is fine: only this request failed.
 */
public class MvccException extends RuntimeException {
    private final EtcdError error;

    /** The refusal {@code error}, with etcd's message. */
    public MvccException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    /** Which of etcd's refusals this is (its gRPC code and text). */
    public EtcdError error() {
        return error;
    }
}
