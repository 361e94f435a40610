package io.keel.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Initiator side of the handshake: sends HELLO as soon as the connection is up (behind TLS, if any) and waits for
 * the reply; nothing else is written until it is accepted. It checks the reply too, so a member that answers for
 * another cluster or under another id is not trusted either. The outcome goes to a {@link Listener}.
 */
final class ClientHandshake extends ChannelInboundHandlerAdapter {
    /** Told once per connection, on its event loop. */
    interface Listener {
        void accepted(Channel channel);

        void failed(Channel channel, IOException cause);
    }

    private final TransportContext context;
    private final Hello hello;
    private final java.net.SocketAddress address;
    private final Listener listener;
    private ScheduledFuture<?> timeout;
    private boolean done;

    ClientHandshake(TransportContext context, Hello hello, java.net.SocketAddress address, Listener listener) {
        this.context = context;
        this.hello = hello;
        this.address = address;
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().attr(Peers.PEER_ID).set(hello.targetId());
        // With TLS the SslHandler holds this until its own handshake is done.
        ctx.writeAndFlush(hello.encode(ctx.alloc()));
        timeout = ctx.executor().schedule(() -> fail(ctx, new HandshakeRefusedException(Refusal.NO_VALID_HELLO,
                        "no HELLO_REPLY from member " + Texts.id(hello.targetId()) + " at " + address + " within "
                                + context.config.handshakeTimeout.toMillis() + " ms")),
                context.config.handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new IOException("connection to member " + Texts.id(hello.targetId()) + " at " + address
                + " closed during the handshake"));
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent tls && !tls.isSuccess()) {
            context.metrics.refusedByPeers.increment();
            HandshakeRefusedException e = new HandshakeRefusedException(Refusal.TLS_FAILED, "TLS with member "
                    + Texts.id(hello.targetId()) + " at " + address + " failed: " + TlsAlerts.describe(tls.cause()));
            context.log.warn(e::getMessage);
            fail(ctx, e);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Frame frame = (Frame) msg;
        HelloReply reply;
        try {
            if (frame.type() != FrameType.HELLO_REPLY) {
                ctx.fireExceptionCaught(new WireFormatException("expected HELLO_REPLY, got " + frame.type()));
                return;
            }
            reply = HelloReply.decode(frame.payload());
        } catch (WireFormatException e) {
            ctx.fireExceptionCaught(e);
            return;
        } finally {
            frame.release();
        }
        if (!reply.isAccepted()) {
            context.metrics.refusedByPeers.increment();
            HandshakeRefusedException e = new HandshakeRefusedException(reply.refusal(),
                    "member " + Texts.id(hello.targetId()) + " at " + address + " refused us: " + reply.reason());
            context.log.warn(e::getMessage);
            // Believed only from the member and cluster wanted (ids derive from names: another cluster may have
            // removed a member of the same name).
            if (reply.refusal() == Refusal.MEMBER_REMOVED && reply.clusterId() == context.config.clusterId
                    && reply.responderId() == hello.targetId()) {
                context.policy.removedBy(hello.targetId(), e.getMessage());
            }
            if (reply.refusal() == Refusal.WRONG_TARGET && reply.clusterId() == context.config.clusterId
                    && reply.responderId() != 0 && reply.responderId() != hello.targetId()
                    && reply.responderId() != context.config.localId) {
                context.peerAnsweredAs.accept(hello.targetId(), reply.responderId());
            }
            fail(ctx, e);
            return;
        }
        Refusal mismatch = context.policy.judgeReply(hello, reply);
        if (mismatch != null) {
            context.metrics.refusedByPeers.increment();
            HandshakeRefusedException e = new HandshakeRefusedException(mismatch, explain(mismatch, reply));
            context.log.warn(e::getMessage);
            fail(ctx, e);
            return;
        }
        done = true;
        timeout.cancel(false);
        ctx.pipeline().get(FrameDecoder.class).maxFrameBytes(context.config.maxFrameBytes);
        ctx.pipeline().remove(this);
        listener.accepted(ctx.channel());
    }

    private String explain(Refusal mismatch, HelloReply reply) {
        String refusing = "refusing member " + Texts.id(reply.responderId()) + " at " + address + ": " + mismatch + ": ";
        return switch (mismatch) {
            case WRONG_INCARNATION -> {
                String why = context.policy.incarnationRefusal(reply.responderId(), reply.incarnation());
                yield refusing + (why != null ? why : "its incarnation " + Texts.id(reply.incarnation())
                        + " is not the one this cluster knows");
            }
            case TIMING_MISMATCH -> refusing + context.policy.timingMismatch(reply.responderId(), reply.timing());
            default -> "refusing " + address + ": " + mismatch + ": we (" + context.policy.describeLocal()
                    + ") wanted member " + Texts.id(hello.targetId()) + ", it answered as member "
                    + Texts.id(reply.responderId()) + " of cluster " + Texts.id(reply.clusterId()) + " (protocol v"
                    + reply.protocolVersion() + ") for member " + Texts.id(reply.initiatorId());
        };
    }

    private void fail(ChannelHandlerContext ctx, IOException cause) {
        if (done) return;
        done = true;
        if (timeout != null) timeout.cancel(false);
        ctx.close();
        listener.failed(ctx.channel(), cause);
    }
}
