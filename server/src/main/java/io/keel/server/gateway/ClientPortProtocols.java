package io.keel.server.gateway;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.SecurityLevel;
import io.grpc.ServerCredentials;
import io.grpc.internal.GrpcAttributes;
import io.grpc.internal.ObjectPool;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

import javax.net.ssl.SSLSession;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One client port for gRPC and etcd's HTTP/1.1 gateway, as etcd serves both on 2379: a connection whose first bytes
 * are an HTTP/1.x request line goes to the gateway; anything else (gRPC's HTTP/2 preface) goes to gRPC exactly as
 * before. gRPC's own handlers are added only once the connection is known to be HTTP/2, because they greet a
 * connection with HTTP/2 frames that an HTTP/1 client would read as a garbled answer (curl: "HTTP/0.9").
 *
 * <p>On a TLS port ({@link #overTls}) the same choice is made on the first decrypted bytes, after the handshake: one
 * TLS context, so one set of certificate checks (client certificates, revocation list, cipher suites) for both.
 *
 * <p>This uses grpc-netty's internal negotiator hook, the only way to share its port.
 */
public final class ClientPortProtocols {
    /** The first four bytes of every HTTP/1.x request line etcd's gateway answers (and of the methods it refuses). */
    private static final Set<String> HTTP1_STARTS = Set.of("GET ", "POST", "PUT ", "DELE", "HEAD", "OPTI", "PATC",
            "TRAC", "CONN");

    private ClientPortProtocols() {
    }

    /**
     * The given credentials with HTTP/1.x connections handed to {@code http1}, which installs the gateway's handlers
     * in the connection's pipeline (after the point where it is called).
     */
    public static ServerCredentials withHttp1(ServerCredentials grpc, Consumer<ChannelHandlerContext> http1) {
        InternalProtocolNegotiator.ServerFactory inner = InternalNettyServerCredentials.toNegotiator(grpc);
        return InternalNettyServerCredentials.create(new InternalProtocolNegotiator.ServerFactory() {
            @Override
            public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(ObjectPool<? extends Executor> pool) {
                InternalProtocolNegotiator.ProtocolNegotiator n = inner.newNegotiator(pool);
                return new InternalProtocolNegotiator.ProtocolNegotiator() {
                    @Override
                    public AsciiString scheme() {
                        return n.scheme();
                    }

                    @Override
                    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
                        return new FirstBytes(n.newHandler(grpcHandler), http1);
                    }

                    @Override
                    public void close() {
                        n.close();
                    }
                };
            }
        });
    }

    /**
     * TLS with {@code tls}, then gRPC or, for HTTP/1.x connections, {@code http1}, as {@link #withHttp1} on the
     * decrypted bytes. gRPC's calls carry the TLS session (Grpc.TRANSPORT_ATTR_SSL_SESSION) as with gRPC's own TLS
     * negotiator, which this replaces because that one refuses every connection not negotiated as h2 by ALPN.
     * {@code tls} should offer "http/1.1" before "h2" in ALPN (see ClientTls): a client offering both (curl) then
     * speaks HTTP/1.1, which the gateway serves; gRPC clients offer only h2.
     */
    public static ServerCredentials overTls(SslContext tls, Consumer<ChannelHandlerContext> http1) {
        return InternalNettyServerCredentials.create(new InternalProtocolNegotiator.ServerFactory() {
            @Override
            public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(ObjectPool<? extends Executor> pool) {
                return new InternalProtocolNegotiator.ProtocolNegotiator() {
                    @Override
                    public AsciiString scheme() {
                        return HTTPS;
                    }

                    @Override
                    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
                        ChannelHandler afterTls = new FirstBytes(
                                InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler), http1);
                        return InternalProtocolNegotiators.waitUntilActiveHandler(new Handshake(tls, afterTls),
                                grpcHandler.getNegotiationLogger());
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        });
    }

    private static final AsciiString HTTPS = AsciiString.of("https");

    /**
     * Puts a TLS handler in front of itself; once the handshake succeeds, leaves its place to {@code next} and hands
     * it gRPC's negotiation event with the TLS session added (what gRPC's own server TLS handler does). A failed
     * handshake is an exception in the pipeline, which closes the connection (ClientTls logs the refusal).
     */
    private static final class Handshake extends ChannelInboundHandlerAdapter {
        private final SslContext tls;
        private final ChannelHandler next;
        private ProtocolNegotiationEvent negotiation = InternalProtocolNegotiationEvent.getDefault();

        Handshake(SslContext tls, ChannelHandler next) {
            this.tls = tls;
            this.next = next;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().addBefore(ctx.name(), null, tls.newHandler(ctx.alloc()));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ProtocolNegotiationEvent pne) {
                negotiation = pne; // given on with the session once the handshake is done
            } else if (evt instanceof SslHandshakeCompletionEvent done) {
                if (!done.isSuccess()) {
                    ctx.fireExceptionCaught(done.cause());
                    return;
                }
                SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(negotiation).toBuilder()
                        .set(GrpcAttributes.ATTR_SECURITY_LEVEL, SecurityLevel.PRIVACY_AND_INTEGRITY)
                        .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session).build();
                ProtocolNegotiationEvent secured = InternalProtocolNegotiationEvent.withSecurity(
                        InternalProtocolNegotiationEvent.withAttributes(negotiation, attributes),
                        new InternalChannelz.Security(new InternalChannelz.Tls(session)));
                ctx.pipeline().replace(this, null, next);
                ctx.fireUserEventTriggered(secured); // reaches next: a replaced context forwards to its successor
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }
    }

    /**
     * Holds a new connection's first bytes, and the events meant for gRPC's negotiation, until it can tell the
     * protocol; then puts the right handlers in its own place and replays what it held.
     */
    private static final class FirstBytes extends ChannelInboundHandlerAdapter {
        private final ChannelHandler grpc;
        private final Consumer<ChannelHandlerContext> http1;
        private final List<Object> heldEvents = new ArrayList<>();
        private ByteBuf held = Unpooled.EMPTY_BUFFER;

        FirstBytes(ChannelHandler grpc, Consumer<ChannelHandlerContext> http1) {
            this.grpc = grpc;
            this.http1 = http1;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            heldEvents.add(evt); // gRPC's negotiation event: delivered to gRPC's handler if the connection is gRPC
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf in)) {
                ctx.fireChannelRead(msg);
                return;
            }
            held = held.isReadable() ? Unpooled.wrappedBuffer(held, in) : in;
            if (held.readableBytes() < 4) return;
            String start = held.toString(held.readerIndex(), 4, StandardCharsets.US_ASCII);
            if (HTTP1_STARTS.contains(start)) {
                heldEvents.clear();
                http1.accept(ctx);
            } else {
                ctx.pipeline().addAfter(ctx.name(), null, grpc);
                for (Object evt : heldEvents) ctx.fireUserEventTriggered(evt);
                heldEvents.clear();
            }
            ByteBuf bytes = held;
            held = Unpooled.EMPTY_BUFFER;
            ctx.fireChannelRead(bytes);
            ctx.pipeline().remove(this);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (held.refCnt() > 0 && held != Unpooled.EMPTY_BUFFER) held.release();
        }
    }
}
