package io.keel.transport;

import io.keel.raft.proto.Message;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Hands the messages that every peer connection of one event loop read in one turn of that loop to the listener in
 * one call, at the end of the turn (issue 12, section 2). At a leader the acknowledgements of two followers often
 * become readable together; handed over per connection they cost the raft thread a task each, and a wake-up each
 * when it has gone back to sleep in between. Per connection, messages keep the order the peer sent them in.
 *
 * <p>The end of the turn is a task queued on the loop from the loop itself: Netty runs it after the turn's reads
 * (all the channels the last poll found ready) and queuing it wakes nothing. A call never carries more than
 * {@link InboundMessages#MAX_BURST} messages, so the receiver's bound on queued peer messages still counts hand-offs
 * of a known size.
 */
final class TurnDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(TurnDelivery.class);

    private final EventLoop loop;
    private final InboundListener listener;
    private final long localId;
    private final Runnable endOfTurn = this::deliver;
    /** Nothing pending: never added to, since a burst replaces it ({@link #add}). */
    private static final List<Message> EMPTY = List.of();
    /** Messages read this turn and not yet handed over (the loop's thread only). */
    private List<Message> pending = EMPTY;
    private boolean endOfTurnQueued; // the loop's thread only

    TurnDelivery(EventLoop loop, InboundListener listener, long localId) {
        this.loop = loop;
        this.listener = listener;
        this.localId = localId;
    }

    /**
     * One connection's read burst (in its order), to go with the rest of this turn's: a list given away, which may
     * become the call's own (later bursts of the turn appended to it) and then the listener's to keep.
     */
    void add(List<Message> burst) {
        if (!loop.inEventLoop()) {
            // A connection served by another loop (none today): collecting across threads would need a lock, and
            // handing its burst over alone is what the transport did before.
            handOver(burst);
            return;
        }
        if (pending.size() + burst.size() > InboundMessages.MAX_BURST) handOverPending();
        if (pending.isEmpty()) {
            pending = burst; // the usual turn, one peer's burst: handed over as it is, not copied
        } else {
            pending.addAll(burst);
        }
        if (!endOfTurnQueued) {
            endOfTurnQueued = true;
            loop.execute(endOfTurn);
        }
    }

    private void deliver() {
        endOfTurnQueued = false;
        handOverPending();
    }

    private void handOverPending() {
        if (pending.isEmpty()) return;
        List<Message> messages = pending;
        pending = EMPTY;
        handOver(messages);
    }

    private void handOver(List<Message> messages) {
        try {
            listener.onMessages(messages);
        } catch (RuntimeException e) {
            // The listener's bug, not a peer's fault: keep the connections.
            LOG.error("member {}: inbound listener failed on {} messages", Texts.id(localId), messages.size(), e);
        }
    }
}
