package io.keel.transport;

import io.keel.raft.proto.Message;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Messages waiting for one peer's connection, bounded in wire bytes. Any thread may offer; only the peer's event
 * loop polls. A full queue refuses at once instead of blocking: Raft resends what was lost, while a caller blocked
 * on one slow peer would stall the whole member.
 */
final class OutboundQueue {
    private final long capacityBytes;
    private final ConcurrentLinkedQueue<Message> messages = new ConcurrentLinkedQueue<>();
    private final AtomicLong bytes = new AtomicLong();

    OutboundQueue(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** False if the message does not fit; then nothing was queued. */
    boolean offer(Message m) {
        int size = FrameCodec.messageFrameBytes(m);
        // Reserve first: racing offers can only be refused spuriously, never admitted beyond the bound.
        if (bytes.addAndGet(size) > capacityBytes) {
            bytes.addAndGet(-size);
            return false;
        }
        messages.offer(m);
        return true;
    }

    /** The oldest message, left queued (the polling side only). */
    Message peek() {
        return messages.peek();
    }

    Message poll() {
        Message m = messages.poll();
        if (m != null) bytes.addAndGet(-FrameCodec.messageFrameBytes(m));
        return m;
    }

    /** Discards everything queued; returns how many messages that was. */
    int clear() {
        int n = 0;
        while (poll() != null) n++;
        return n;
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    long bytes() {
        return bytes.get();
    }
}
