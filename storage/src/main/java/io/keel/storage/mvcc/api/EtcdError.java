package io.keel.storage.mvcc.api;

/**
 * The etcd errors the store can give, with the gRPC status code and the exact message etcd sends: Go clientv3
 * recognises errors by that text, so it must not change.
 */
public enum EtcdError {
    COMPACTED(Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
    FUTURE_REVISION(Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
    EMPTY_KEY(Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
    KEY_NOT_FOUND(Code.INVALID_ARGUMENT, "etcdserver: key not found"),
    VALUE_PROVIDED(Code.INVALID_ARGUMENT, "etcdserver: value is provided"),
    LEASE_PROVIDED(Code.INVALID_ARGUMENT, "etcdserver: lease is provided"),
    DUPLICATE_KEY(Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
    LEASE_NOT_FOUND(Code.NOT_FOUND, "etcdserver: requested lease not found"),
    LEASE_EXISTS(Code.FAILED_PRECONDITION, "etcdserver: lease already exists"),
    LEASE_TTL_TOO_LARGE(Code.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
    /** A write that adds data while the NOSPACE alarm is raised, or that would pass the space quota. */
    NO_SPACE(Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
    /** A write while the CORRUPT alarm is raised, or any request to a member that found itself corrupt. */
    CORRUPT(Code.DATA_LOSS, "etcdserver: corrupt cluster");

    /** The gRPC status codes used here, by their gRPC names (storage does not depend on gRPC). */
    public enum Code { OUT_OF_RANGE, INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, DATA_LOSS }

    private final Code code;
    private final String message;

    EtcdError(Code code, String message) {
        this.code = code;
        this.message = message;
    }

    public Code code() {
        return code;
    }

    public String message() {
        return message;
    }
}
