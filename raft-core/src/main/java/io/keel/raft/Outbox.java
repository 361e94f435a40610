package io.keel.raft;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What a member has to say, gathered until the next Ready: messages to send now, messages that promise
 * durability (sent only after the Ready's persist), and answers to reads.
 */
final class Outbox {
    private final long self;
    private final LongSupplier term;
    private final List<Message> now = new ArrayList<>();
    private final List<Message> afterPersist = new ArrayList<>();
    private final List<ReadState> reads = new ArrayList<>();

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

    /** Sent only once everything persisted so far is durable: it promises that it is. */
    void sendAfterPersist(Message m) {
        afterPersist.add(m);
    }

    void answer(ReadState read) {
        reads.add(read);
    }

    boolean isEmpty() {
        return now.isEmpty() && afterPersist.isEmpty() && reads.isEmpty();
    }

    List<Message> takeMessages() {
        return take(now);
    }

    List<Message> takeMessagesAfterPersist() {
        return take(afterPersist);
    }

    List<ReadState> takeReads() {
        return take(reads);
    }

    private static <T> List<T> take(List<T> list) {
        List<T> copy = List.copyOf(list);
        list.clear();
        return copy;
    }
}
