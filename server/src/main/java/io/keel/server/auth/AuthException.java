package io.keel.server.auth;

/** A request refused by authentication or authorization, with etcd's error. Nothing was changed. */
public final class AuthException extends RuntimeException {
    private final AuthError error;

    public AuthException(AuthError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public AuthError error() {
        return error;
    }
}
