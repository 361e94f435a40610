package io.keel.server.gateway;

import io.grpc.ServerCredentials;
import io.grpc.internal.ObjectPool;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

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
 * <p>This uses grpc-netty's internal negotiator hook, the only way to share its port. With TLS credentials the first
 * bytes are a TLS handshake, which goes to gRPC: the gateway is served on plain-text client ports only.
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
