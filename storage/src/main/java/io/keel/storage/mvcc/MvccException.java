package io.keel.storage.mvcc;

/**
 * An operation refused with one of etcd's errors. The message is etcd's text, ready for the gRPC status.
 * The store is fine: only this request failed.
 */
public class MvccException extends RuntimeException {
    private final EtcdError error;

    public MvccException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public EtcdError error() {
        return error;
    }
}
