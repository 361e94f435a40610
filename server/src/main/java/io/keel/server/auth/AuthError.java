package io.keel.server.auth;

/**
 * etcd 3.4's auth refusals (etcdserver/api/v3rpc/rpctypes): the gRPC status code, by name, and the exact text,
 * which Go clientv3 matches to recognise the error (it re-authenticates on {@link #INVALID_AUTH_TOKEN} and
 * {@link #AUTH_OLD_REVISION}).
 */
public enum AuthError {
    ROOT_USER_NOT_EXIST("FAILED_PRECONDITION", "etcdserver: root user does not exist"),
    ROOT_ROLE_NOT_EXIST("FAILED_PRECONDITION", "etcdserver: root user does not have root role"),
    USER_ALREADY_EXIST("FAILED_PRECONDITION", "etcdserver: user name already exists"),
    USER_EMPTY("INVALID_ARGUMENT", "etcdserver: user name is empty"),
    USER_NOT_FOUND("FAILED_PRECONDITION", "etcdserver: user name not found"),
    ROLE_ALREADY_EXIST("FAILED_PRECONDITION", "etcdserver: role name already exists"),
    ROLE_NOT_FOUND("FAILED_PRECONDITION", "etcdserver: role name not found"),
    ROLE_EMPTY("INVALID_ARGUMENT", "etcdserver: role name is empty"),
    AUTH_FAILED("INVALID_ARGUMENT", "etcdserver: authentication failed, invalid user ID or password"),
    PERMISSION_DENIED("PERMISSION_DENIED", "etcdserver: permission denied"),
    ROLE_NOT_GRANTED("FAILED_PRECONDITION", "etcdserver: role is not granted to the user"),
    PERMISSION_NOT_GRANTED("FAILED_PRECONDITION", "etcdserver: permission is not granted to the role"),
    AUTH_NOT_ENABLED("FAILED_PRECONDITION", "etcdserver: authentication is not enabled"),
    INVALID_AUTH_TOKEN("UNAUTHENTICATED", "etcdserver: invalid auth token"),
    INVALID_AUTH_MGMT("INVALID_ARGUMENT", "etcdserver: invalid auth management"),
    AUTH_OLD_REVISION("INVALID_ARGUMENT", "etcdserver: revision of auth store is old"),
    // etcd has no gRPC error for this one: its clients see the auth package's text with code Unknown.
    NO_PASSWORD_USER("UNKNOWN", "auth: authentication failed, password was given for no password user");

    private final String grpcCode;
    private final String message;

    AuthError(String grpcCode, String message) {
        this.grpcCode = grpcCode;
        this.message = message;
    }

    /** The name of the gRPC status code etcd answers with (io.grpc.Status.Code's names). */
    public String grpcCode() {
        return grpcCode;
    }

    public String message() {
        return message;
    }
}
