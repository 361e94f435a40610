package io.keel.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.keel.server.Keel;
import io.keel.server.auth.AuthException;
import io.keel.server.auth.Caller;
import io.keel.server.etcd.proto.AuthGrpc;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Who is calling, once per call, as etcd's AuthInfoFromCtx decides it: the user named by the token in metadata
 * {@code token} (or {@code authorization}); without one, with {@code --client-cert-auth}, the common name of the
 * verified client certificate. An unknown or expired token ends the call with etcd's {@code invalid auth token}
 * (clients then authenticate again), except for Authenticate itself. With authentication off nobody is named and
 * tokens are ignored. The services ask {@link AuthGuard} what the caller may do.
 */
final class AuthInterceptor implements ServerInterceptor {
    /**
     * Set on a streaming call (Watch, LeaseKeepAlive, Snapshot) whose token is not valid: etcd refuses such a call
     * only where it checks permissions (a watch is then created and canceled with the reason, and clients
     * authenticate again), so the stream itself is not ended here.
     */
    static final Context.Key<AuthException> TOKEN_REFUSAL = Context.key("keel-auth-token-refusal");

    /** The caller, or absent (no credentials, or authentication off). */
    static final Context.Key<Caller> CALLER = Context.key("keel-auth-caller");

    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final Keel keel;
    private final boolean clientCertAuth;

    AuthInterceptor(Keel keel, boolean clientCertAuth) {
        this.keel = keel;
        this.clientCertAuth = clientCertAuth;
    }

    /** The user calling in the current call, or null; the token's refusal if its token is not valid. */
    static String caller() {
        AuthException refused = TOKEN_REFUSAL.get();
        if (refused != null) throw refused;
        Caller c = CALLER.get();
        return c == null ? null : c.user();
    }

    /** The auth revision the current caller's credentials were issued at (0: current, or no caller). */
    static long callerRevision() {
        Caller c = CALLER.get();
        return c == null ? 0 : c.tokenRevision();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        if (!keel.auth().state().enabled()
                || AuthGrpc.getAuthenticateMethod().getFullMethodName()
                        .equals(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        String token = headers.get(TOKEN);
        if (token == null) token = headers.get(AUTHORIZATION);
        Caller user;
        if (token != null) {
            try {
                user = keel.auth().callerOfToken(token);
            } catch (AuthException e) {
                if (call.getMethodDescriptor().getType() != io.grpc.MethodDescriptor.MethodType.UNARY) {
                    return Contexts.interceptCall(Context.current().withValue(TOKEN_REFUSAL, e), call, headers, next);
                }
                call.close(Status.fromCode(Status.Code.valueOf(e.error().grpcCode())).withDescription(e.getMessage()),
                        new Metadata());
                return new ServerCall.Listener<>() { };
            }
        } else {
            String cn = clientCertAuth ? commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)) : null;
            // A call of the HTTP gateway over TLS: the HTTP client's certificate, as the gateway saw it.
            if (cn == null && clientCertAuth) cn = io.keel.server.gateway.GatewayCaller.commonName(call, headers);
            user = cn == null ? null : new Caller(cn, 0);
        }
        if (user == null) return next.startCall(call, headers);
        return Contexts.interceptCall(Context.current().withValue(CALLER, user), call, headers, next);
    }

    /** The CN of a TLS session's verified client certificate, or null. */
    static String commonName(SSLSession session) {
        if (session == null) return null;
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) return null;
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) return String.valueOf(rdn.getValue());
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }
}
