package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;


/**
 * A peer's message connection after its handshake: each MESSAGE frame becomes one Raft message for the listener,
 * in arrival order. A message must be from the member the handshake authenticated and to this member, so one
 * peer cannot speak for another; anything else on this connection is a protocol violation.
 */
final class InboundMessages extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(InboundMessages.class);

    private final TransportContext context;
    private final long peerId;

    InboundMessages(TransportContext context, long peerId) {
        this.context = context;
        this.peerId = peerId;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws WireFormatException {
        Frame frame = (Frame) msg;
        Message m;
        try {
            if (frame.type() != FrameType.MESSAGE) {
                throw new WireFormatException("unexpected " + frame.type() + " on a message connection");
            }
            m = FrameCodec.readMessage(frame.payload());
        } finally {
            frame.release();
        }
        if (m.getFrom() != peerId || m.getTo() != context.config.localId) {
            throw new WireFormatException("message from member " + Texts.id(m.getFrom()) + " to member "
                    + Texts.id(m.getTo()) + " on the connection of member " + Texts.id(peerId));
        }
        if (m.getType() == MessageType.MSG_SNAPSHOT) {
            // A snapshot's metadata without its bytes would make this member install nothing.
            throw new WireFormatException("MSG_SNAPSHOT on a message connection; snapshots come on their own stream");
        }
        context.metrics.messagesReceived.increment();
        try {
            context.listener.onMessage(m);
        } catch (RuntimeException e) {
            // The listener's bug, not the peer's fault: keep the connection.
            LOG.error("member {}: inbound listener failed on a message from member {}", Texts.id(context.config.localId), Texts.id(peerId), e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        context.inbound.remove(peerId, ctx.channel());
        ctx.fireChannelInactive();
    }
}
