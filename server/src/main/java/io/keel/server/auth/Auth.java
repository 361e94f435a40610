package io.keel.server.auth;

import io.keel.server.member.Member;
import io.keel.server.proto.AuthOp;
import io.keel.server.proto.AuthenticateChange;
import io.keel.server.proto.ClientOp;
import io.keel.server.proto.UserAddChange;
import io.keel.server.proto.UserChangePasswordChange;
import io.keel.server.concurrent.Futures;

import io.keel.server.RequestTimeoutException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Authentication of one member, for its etcd API: auth changes proposed through Raft (passwords hashed here, before
 * the entry is written, so neither the log nor the store ever holds one in clear), linearizable reads of the auth
 * state, password checks and the tokens that name a user.
 */
public final class Auth {
    /** How often Authenticate starts again when the auth state changed between its password check and its entry. */
    private static final int AUTHENTICATE_ATTEMPTS = 5;

    private final Member member;
    private final Duration requestTimeout;
    private volatile JwtTokens jwt; // null: simple tokens

    public Auth(Member member, Duration requestTimeout) {
        this.member = member;
        this.requestTimeout = requestTimeout;
    }

    /** Tokens as the launcher's --auth-token says (simple ones until this is called). */
    public void useTokens(TokenSettings settings) {
        tokens().ttl(settings.simpleTtl());
        jwt = settings.jwt() == null ? null : new JwtTokens(settings.jwt(), java.time.Clock.systemUTC());
    }

    /** The auth state as this member applied it (its permission checks use this). */
    public AuthState state() {
        return member.auth().current();
    }

    public SimpleTokens tokens() {
        return member.auth().tokens();
    }

    /** The auth state as of a linearizable read (etcd serves its auth reads through Raft: never stale). */
    public CompletableFuture<AuthState> readState() {
        return bounded(member.read(store -> AuthState.decode(store.authRecord())));
    }

    /**
     * Proposes an auth change asked by {@code caller} (null: no credentials); completes once applied here, or fails
     * with {@link AuthException} when etcd's rules refuse it at apply.
     */
    public CompletableFuture<Void> change(String caller, AuthOp.Builder op) {
        op.setUser(caller == null ? "" : caller).setAuthRevision(state().revision());
        return bounded(member.proposeData(ClientOp.newBuilder().setAuth(op).build().toByteString())).thenApply(r -> null);
    }

    public CompletableFuture<Void> userAdd(String caller, String name, String password, boolean noPassword) {
        UserAddChange.Builder c = UserAddChange.newBuilder().setName(name).setNoPassword(noPassword);
        if (!noPassword) c.setPasswordHash(com.google.protobuf.ByteString.copyFrom(Passwords.hash(password)));
        return change(caller, AuthOp.newBuilder().setUserAdd(c));
    }

    public CompletableFuture<Void> changePassword(String caller, String name, String password) {
        return change(caller, AuthOp.newBuilder().setUserChangePassword(UserChangePasswordChange.newBuilder()
                .setName(name).setPasswordHash(com.google.protobuf.ByteString.copyFrom(Passwords.hash(password)))));
    }

    /**
     * etcd's Authenticate: checks the password (on {@code executor}: bcrypt is slow on purpose) against the
     * linearizable auth state, then writes an Authenticate entry (no password in it) whose application gives every
     * member the new simple token; completes with the token.
     */
    public CompletableFuture<String> authenticate(String name, String password, Executor executor) {
        return authenticate(name, password, executor, 1);
    }

    private CompletableFuture<String> authenticate(String name, String password, Executor executor, int attempt) {
        return readState().thenApplyAsync(checked -> {
            if (!checked.enabled()) throw new AuthException(AuthError.AUTH_NOT_ENABLED);
            var user = checked.user(name);
            if (user == null) throw new AuthException(AuthError.AUTH_FAILED);
            if (user.getOptions().getNoPassword()) throw new AuthException(AuthError.NO_PASSWORD_USER);
            if (!Passwords.matches(password, user.getPassword().toByteArray())) {
                throw new AuthException(AuthError.AUTH_FAILED);
            }
            return checked.revision();
        }, executor).thenCompose(checkedRevision -> {
            JwtTokens signing = jwt;
            String prefix = signing == null ? SimpleTokens.newPrefix() : "";
            return change(name, AuthOp.newBuilder().setAuthenticate(AuthenticateChange.newBuilder()
                    .setName(name).setSimpleToken(prefix))).thenCompose(applied -> {
                // etcd signs a JWT with the auth revision as of the Authenticate entry.
                String token = signing == null ? tokens().claim(prefix) : signing.sign(name, state().revision());
                // As etcd: if the auth state changed after the password was checked (a new password, say), the
                // check starts again.
                if (token != null && state().revision() == checkedRevision) {
                    return CompletableFuture.completedFuture(token);
                }
                if (attempt >= AUTHENTICATE_ATTEMPTS) {
                    return CompletableFuture.failedFuture(new AuthException(AuthError.AUTH_OLD_REVISION));
                }
                return authenticate(name, password, executor, attempt + 1);
            });
        });
    }

    private <T> CompletableFuture<T> bounded(CompletableFuture<T> f) {
        // A copy times out, not f: the member still completes its own future when the request ends.
        CompletableFuture<T> out = new CompletableFuture<>();
        f.whenComplete((v, e) -> {
            if (e == null) out.complete(v);
            else out.completeExceptionally(Futures.unwrap(e));
        });
        return Futures.within(out, requestTimeout, () -> new RequestTimeoutException("no answer within "
                + requestTimeout.toMillis() + " ms; an auth change may still apply"));
    }

    /**
     * The user a token names: null when authentication is off (etcd ignores credentials then); {@link AuthException}
     * ({@code invalid auth token}) for a token this member does not know or that expired.
     */
    public String userOfToken(String token) {
        Caller c = callerOfToken(token);
        return c == null ? null : c.user();
    }

    /** As {@link #userOfToken}, with the auth revision the token was issued at (0 for simple tokens). */
    public Caller callerOfToken(String token) {
        if (!state().enabled()) return null;
        JwtTokens verifying = jwt;
        if (verifying != null) {
            Caller c = verifying.verify(token);
            if (c == null) throw new AuthException(AuthError.INVALID_AUTH_TOKEN);
            return c;
        }
        String user = tokens().user(token);
        if (user == null) throw new AuthException(AuthError.INVALID_AUTH_TOKEN);
        return new Caller(user, 0);
    }

    /** The keys attached to lease {@code id} in this member's store (none for an unknown lease). */
    public java.util.List<byte[]> leaseKeys(long id) {
        return member.readSerializable(store -> store.lease(id).map(io.keel.storage.mvcc.api.LeaseInfo::keys)
                .orElse(java.util.List.of()));
    }
}
