package io.keel.raft;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What a member has to say, gathered until the next Ready: messages to send now, messages that promise
 * durability (sent only after the Ready's persist), and answers to reads.
 */
final class Outbox {
    private final long self;
    private final LongSupplier term;
    private final Gathered<Message> now = new Gathered<>();
    private final Gathered<Message> afterPersist = new Gathered<>();
    private final Gathered<ReadState> reads = new Gathered<>();
    /**
     * Proposals forwarded to the leader since the last Ready, gathered into one MSG_PROPOSE (null: none). A follower
     * serving many clients forwards hundreds of writes between two Readys; one message for all of them is one frame
     * to encode and one task on the leader's raft thread instead of hundreds.
     */
    private Message.Builder forwarding;
    private long forwardingBytes;

    Outbox(long self, LongSupplier term) {
        this.self = self;
        this.term = term;
    }

    /** A message from this member in its current term. */
    Message.Builder message(long to, MessageType type) {
        return Message.newBuilder().setType(type).setFrom(self).setTo(to).setTerm(term.getAsLong());
    }

    void send(Message m) {
        now.add(m);
    }

    /**
     * Forwards {@code entry} to {@code leader} in the MSG_PROPOSE gathered so far, or starts a new one when the
     * leader or the term changed, or when it would pass {@code maxBytes} (the transport's frame limit).
     */
    void forward(long leader, Entry entry, long maxBytes) {
        int size = entry.getSerializedSize();
        if (forwarding != null && (forwarding.getTo() != leader || forwarding.getTerm() != term.getAsLong()
                || forwardingBytes + size > maxBytes)) {
            endForwarding();
        }
        if (forwarding == null) {
            forwarding = message(leader, MessageType.MSG_PROPOSE);
            forwardingBytes = 0;
        }
        forwarding.addEntries(entry);
        forwardingBytes += size;
    }

    private void endForwarding() {
        if (forwarding == null) return;
        now.add(forwarding.build());
        forwarding = null;
    }

    /** Sent only once everything persisted so far is durable: it promises that it is. */
    void sendAfterPersist(Message m) {
        afterPersist.add(m);
    }

    void answer(ReadState read) {
        reads.add(read);
    }

    boolean isEmpty() {
        return now.isEmpty() && forwarding == null && afterPersist.isEmpty() && reads.isEmpty();
    }

    List<Message> takeMessages() {
        endForwarding();
        return now.take();
    }

    List<Message> takeMessagesAfterPersist() {
        return afterPersist.take();
    }

    List<ReadState> takeReads() {
        return reads.take();
    }

    /** A list that is handed over whole (read-only) when taken, and started afresh: no copy on the hot path. */
    private static final class Gathered<T> {
        private List<T> items = new ArrayList<>();

        void add(T item) {
            items.add(item);
        }

        boolean isEmpty() {
            return items.isEmpty();
        }

        List<T> take() {
            if (items.isEmpty()) return List.of();
            List<T> taken = items;
            items = new ArrayList<>();
            return Collections.unmodifiableList(taken);
        }
    }
}
