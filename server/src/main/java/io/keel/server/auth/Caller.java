package io.keel.server.auth;

/**
 * Who makes a request: a user, and the auth revision its credentials were issued at ({@code 0}: always current, as
 * for simple tokens and client certificates; a JWT carries the revision it was signed at).
 */
public record Caller(String user, long tokenRevision) {
}
