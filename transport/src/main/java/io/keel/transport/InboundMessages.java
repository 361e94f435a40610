package io.keel.transport;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.ArrayList;
import java.util.List;

/**
 * A peer's message connection after its handshake: each MESSAGE frame becomes one Raft message for the listener,
 * in arrival order. A message must be from the member the handshake authenticated and to this member, so one
 * peer cannot speak for another; anything else on this connection is a protocol violation.
 *
 * <p>The messages of one read burst go to the listener together ({@link InboundListener#onMessages}), at the
 * burst's end ({@code channelReadComplete}), so the raft thread is handed (and woken for) a burst once rather than
 * once per message; the bursts every peer connection read in the same turn of the event loop go in that one call too
 * ({@link TurnDelivery}). Messages already taken are still delivered, in order, before a bad frame closes the
 * connection and when the connection ends.
 */
final class InboundMessages extends ChannelInboundHandlerAdapter {
    /**
     * A burst is handed over at this size even if the read goes on: one hand-off per few hundred messages costs
     * nothing, and the receiver's queue bound then counts bursts of a known size.
     */
    static final int MAX_BURST = 256;

    private final TransportContext context;
    private final long peerId;
    /** Messages read since the last delivery (this channel's event loop only). */
    private List<Message> burst = new ArrayList<>();

    InboundMessages(TransportContext context, long peerId) {
        this.context = context;
        this.peerId = peerId;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws WireFormatException {
        Message m;
        try {
            m = validMessage((Frame) msg);
        } catch (WireFormatException | RuntimeException e) {
            deliver(); // what came before the bad frame was good, and is delivered as if read alone
            throw e;
        }
        context.metrics.messagesReceived.increment();
        burst.add(m);
        if (burst.size() >= MAX_BURST) deliver();
    }

    private Message validMessage(Frame frame) throws WireFormatException {
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
        return m;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        deliver();
        ctx.fireChannelReadComplete();
    }

    /** Hands the burst read so far on, to reach the listener with this turn's others (a fresh list each time). */
    private void deliver() {
        if (burst.isEmpty()) return;
        List<Message> messages = burst;
        burst = new ArrayList<>();
        context.turnDelivery.add(messages);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deliver();
        context.inbound.remove(peerId, ctx.channel());
        ctx.fireChannelInactive();
    }
}
