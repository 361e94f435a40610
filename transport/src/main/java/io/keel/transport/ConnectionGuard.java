package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLException;
import java.io.IOException;

/**
 * Last in every pipeline: whatever goes wrong on one connection closes that connection, is logged with who was on
 * the other side, and goes no further. The process and the other connections carry on.
 */
@ChannelHandler.Sharable
final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private static final AttributeKey<Boolean> REPORTED = AttributeKey.valueOf("keel.errorReported");

    private final TransportContext context;

    ConnectionGuard(TransportContext context) {
        this.context = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // A frame no handler took (one arriving after its handler left, while the channel closes).
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // One log line and one count per connection: frames behind the first bad one fail too while it closes.
        if (ctx.channel().attr(REPORTED).setIfAbsent(Boolean.TRUE) != null) {
            ctx.close();
            return;
        }
        FrameDecoder frames = ctx.pipeline().get(FrameDecoder.class);
        if (frames != null) frames.discardRest(); // nothing more from this connection is delivered
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof WireFormatException) {
            context.metrics.badInputDisconnects.increment();
            context.log.warn(() -> "closing connection with " + Peers.describe(ctx.channel()) + " (this is "
                    + context.policy.describeLocal() + "): bad input: " + c.getMessage());
        } else if (c instanceof SSLException) {
            // Already logged as a refusal by the handshake handlers when it failed the TLS handshake.
            if (LOG.isDebugEnabled()) {
                LOG.debug("member {}: TLS error with {}: {}", Texts.id(context.config.localId), Peers.describe(ctx.channel()), c.toString());
            }
        } else if (c instanceof IOException) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("member {}: I/O error with {}: {}", Texts.id(context.config.localId), Peers.describe(ctx.channel()), c.toString());
            }
        } else {
            LOG.warn("member {}: unexpected error on connection with {}", Texts.id(context.config.localId), Peers.describe(ctx.channel()), c);
        }
        ctx.close();
    }
}
