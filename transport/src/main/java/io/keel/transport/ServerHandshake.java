package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Responder side of the handshake. Until a HELLO passes {@link HandshakePolicy}, nothing on this connection reaches
 * Raft: a refusal is answered with its reason, logged with both sides' identities, and the connection closed.
 * Once accepted, this handler hands the connection to its stream's handler and leaves the pipeline.
 */
final class ServerHandshake extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHandshake.class);

    private final TransportContext context;
    private ScheduledFuture<?> timeout;
    private boolean done;

    ServerHandshake(TransportContext context) {
        this.context = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // A peer that connects and says nothing must not hold a connection (and its buffers) forever.
        timeout = ctx.executor().schedule(() -> {
            if (!done) {
                refuse(ctx, null, Refusal.NO_VALID_HELLO, "no HELLO within " + context.config.handshakeTimeout.toMillis() + " ms");
            }
        }, context.config.handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timeout != null) timeout.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent tls && !tls.isSuccess() && !done) {
            done = true;
            context.metrics.handshakeRefusals.increment();
            context.log.warn(() -> "refused connection from " + ctx.channel().remoteAddress() + " to "
                    + context.policy.describeLocal() + ": " + Refusal.TLS_FAILED + ": " + TlsAlerts.describe(tls.cause()));
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws WireFormatException {
        if (done) { // refused: the connection is closing, whatever else the peer sent is not looked at
            ReferenceCountUtil.release(msg);
            return;
        }
        Frame frame = (Frame) msg;
        Hello hello;
        try {
            if (frame.type() != FrameType.HELLO) {
                refuse(ctx, null, Refusal.NO_VALID_HELLO, "first frame was " + frame.type() + ", not HELLO");
                return;
            }
            try {
                hello = Hello.decode(frame.payload());
            } catch (WireFormatException e) {
                refuse(ctx, null, Refusal.NO_VALID_HELLO, e.getMessage());
                return;
            }
        } finally {
            frame.release();
        }
        Refusal refusal = context.policy.judge(hello);
        if (refusal != null) {
            refuse(ctx, hello, refusal, explain(refusal, hello));
        } else {
            accept(ctx, hello);
        }
    }

    private void accept(ChannelHandlerContext ctx, Hello hello) {
        done = true;
        timeout.cancel(false);
        ctx.channel().attr(Peers.PEER_ID).set(hello.senderId());
        ctx.writeAndFlush(HelloReply.accepted(context.config.clusterId, context.config.localId, hello.senderId(),
                context.config.incarnation, context.config.timing).encode(ctx.alloc()));
        ctx.pipeline().get(FrameDecoder.class).maxFrameBytes(context.config.maxFrameBytes);
        context.metrics.inboundAccepted.increment();
        if (LOG.isDebugEnabled()) {
            LOG.debug("member {}: accepted {} connection from {}", Texts.id(context.config.localId), hello.kind(), Peers.describe(ctx.channel()));
        }
        context.installInboundStream(ctx, hello);
    }

    private void refuse(ChannelHandlerContext ctx, Hello hello, Refusal refusal, String reason) {
        done = true;
        if (timeout != null) timeout.cancel(false);
        context.metrics.handshakeRefusals.increment();
        String who = hello == null ? "an unidentified peer" : hello.toString();
        String line = "refused connection from " + ctx.channel().remoteAddress() + ", " + who + ", to "
                + context.policy.describeLocal() + ": " + refusal + ": " + reason;
        context.log.warn(() -> line);
        long initiator = hello == null ? 0 : hello.senderId();
        ctx.writeAndFlush(HelloReply.refused(refusal, context.config.clusterId, context.config.localId, initiator, line)
                .encode(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
    }

    private String explain(Refusal refusal, Hello hello) {
        return switch (refusal) {
            case WRONG_PROTOCOL_VERSION -> "it speaks protocol v" + hello.protocolVersion() + ", this member v" + Hello.PROTOCOL_VERSION;
            case UNKNOWN_STREAM_KIND -> "stream kind " + hello.kindCode() + " unknown";
            case WRONG_CLUSTER -> "cluster " + Texts.id(hello.clusterId()) + " is not this cluster";
            case WRONG_TARGET -> "it wants member " + Texts.id(hello.targetId()) + " but reached member "
                    + Texts.id(context.config.localId) + " (wrong or stale address)";
            case SENDER_IS_RECEIVER -> "it claims this member's own id";
            case UNKNOWN_SENDER -> "member " + Texts.id(hello.senderId()) + " is not a peer of this member";
            case MEMBER_REMOVED -> "member " + Texts.id(hello.senderId()) + " was removed from the cluster";
            case WRONG_INCARNATION -> {
                String why = context.policy.incarnationRefusal(hello.senderId(), hello.incarnation());
                // The directory may have changed since the judgement; the refusal stands for this connection.
                yield why != null ? why : "member " + Texts.id(hello.senderId()) + "'s incarnation "
                        + Texts.id(hello.incarnation()) + " is not the one this cluster knows";
            }
            case TIMING_MISMATCH -> context.policy.timingMismatch(hello.senderId(), hello.timing());
            default -> refusal.toString();
        };
    }
}
