package io.keel.server.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * The caller's etcd token, carried from a call of the Election or Lock service into the KV, Lease and Watch calls it
 * makes in-process, so that those are checked as the caller's own (etcd's election server calls with its caller's
 * context): {@link #KEEP} remembers the token of the incoming call, {@link #FORWARD} attaches it to outgoing ones.
 */
final class CallerToken {
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> CURRENT = Context.key("keel-caller-token");

    static final ServerInterceptor KEEP = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            String token = headers.get(TOKEN);
            if (token == null) token = headers.get(AUTHORIZATION);
            if (token == null) return next.startCall(call, headers);
            return Contexts.interceptCall(Context.current().withValue(CURRENT, token), call, headers, next);
        }
    };

    static final ClientInterceptor FORWARD = new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                     Channel next) {
            return attach(CURRENT.get(), next.newCall(method, options));
        }
    };

    /**
     * Attaches the current call's token, as read now, to the calls it intercepts later, whatever context they are
     * made in (a forward to the leader runs in a fresh context, so that the client's cancellation cannot cut it off).
     */
    static ClientInterceptor forwardingCurrent() {
        String token = CURRENT.get();
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return attach(token, next.newCall(method, options));
            }
        };
    }

    private static <Q, R> ClientCall<Q, R> attach(String token, ClientCall<Q, R> call) {
        if (token == null) return call;
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                headers.put(TOKEN, token);
                super.start(listener, headers);
            }
        };
    }

    private CallerToken() {
    }
}
