package io.keel.transport;

import io.keel.raft.proto.Message;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * An inbound listener that checks order: each sender numbers its messages to this member in {@code index}, 1, 2,
 * 3...; the recorder counts, per sender, what arrived, what arrived out of order and where numbers were skipped.
 */
class Recorder implements InboundListener {
    private final boolean keepMessages;
    private final Map<Long, AtomicLong> lastIndex = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> disorder = new ConcurrentHashMap<>();
    final LongAdder total = new LongAdder();
    final LongAdder outOfOrder = new LongAdder();
    final LongAdder gaps = new LongAdder();
    final ConcurrentLinkedQueue<Message> messages = new ConcurrentLinkedQueue<>();
    /** The size of each burst the transport handed over ({@link InboundListener#onMessages}), in arrival order. */
    final ConcurrentLinkedQueue<Integer> bursts = new ConcurrentLinkedQueue<>();
    /** While set, the receiving I/O thread waits in {@link #onMessages} before taking the burst: nothing is read. */
    private volatile java.util.concurrent.CountDownLatch held;
    /** Per burst, in the same order: the members its messages came from. */
    final ConcurrentLinkedQueue<Set<Long>> burstSenders = new ConcurrentLinkedQueue<>();

    Recorder(boolean keepMessages) {
        this.keepMessages = keepMessages;
    }

    Recorder() {
        this(true);
    }

    @Override
    public void onMessage(Message m) {
        AtomicLong last = lastIndex.computeIfAbsent(m.getFrom(), k -> new AtomicLong());
        long previous = last.getAndSet(m.getIndex());
        if (m.getIndex() <= previous) outOfOrder.increment();
        else if (m.getIndex() != previous + 1) gaps.increment();
        if (m.getIndex() != previous + 1) disorder.computeIfAbsent(m.getFrom(), k -> new LongAdder()).increment();
        counts.computeIfAbsent(m.getFrom(), k -> new LongAdder()).increment();
        total.increment();
        if (keepMessages) messages.add(m);
    }

    @Override
    public void onMessages(List<Message> burst) {
        java.util.concurrent.CountDownLatch h = held;
        if (h != null) {
            try {
                h.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        bursts.add(burst.size());
        burstSenders.add(burst.stream().map(Message::getFrom).collect(Collectors.toSet()));
        for (Message m : burst) onMessage(m);
    }

    /** Stops the receiving I/O thread at the next burst until {@link #release}: the sender's socket fills. */
    void hold() {
        held = new java.util.concurrent.CountDownLatch(1);
    }

    void release() {
        java.util.concurrent.CountDownLatch h = held;
        held = null;
        if (h != null) h.countDown();
    }

    long from(long sender) {
        LongAdder c = counts.get(sender);
        return c == null ? 0 : c.sum();
    }

    /** Messages from this sender that did not carry the next number: out of order, or after a gap. */
    long disorderFrom(long sender) {
        LongAdder d = disorder.get(sender);
        return d == null ? 0 : d.sum();
    }

    long lastIndexFrom(long sender) {
        AtomicLong l = lastIndex.get(sender);
        return l == null ? 0 : l.get();
    }

    List<Long> senders() {
        return List.copyOf(counts.keySet());
    }
}
