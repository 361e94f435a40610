package io.keel.transport;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Direct writes ({@link TransportConfig.Builder#directWrites}): a sending thread writes a peer's connection itself
 * when nothing waits for it, and hands over to the event loop when the socket is full. Real Netty and JDK sockets on
 * loopback; order per peer must hold across the two paths, with the queue's bound still refusing what does not fit.
 * One cluster of two for all checks.
 */
class DirectWriteTest {
    private static Members members;
    /** The index member 1 gave its last message to member 2, per message type (each test thread numbers one). */
    private static long heartbeats;
    private static long appends;

    @BeforeAll
    static void start() throws IOException {
        // A small queue bound, so the bursts below reach it and the back-pressure path runs too.
        members = Members.start(List.of(1L, 2L), b -> b.directWrites(true).outboundQueueBytes(2L << 20), true);
        members.awaitConnected();
    }

    @AfterAll
    static void stop() {
        members.close();
    }

    @Test
    void aMessageToAnIdleConnectionIsWrittenByTheSenderWithoutTheEventLoop() {
        Transport sender = members.get(1L);
        long direct = sender.directWrites(2L);
        long flushes = sender.flushes(2L);
        for (int i = 0; i < 20; i++) {
            assertTrue(sender.send(Msgs.heartbeat(1, 2, ++heartbeats)));
            awaitHeartbeats();
        }
        assertEquals(direct + 20, sender.directWrites(2L), "each message written by the sending thread");
        assertEquals(flushes, sender.flushes(2L), "the event loop wrote none of them");
        assertTrue(sender.stats().bytesSent() > 0);
    }

    @Test
    void aBatchToAnIdleConnectionLeavesInOneWrite() {
        Transport sender = members.get(1L);
        long direct = sender.directWrites(2L);
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) batch.add(Msgs.heartbeat(1, 2, ++heartbeats));
        assertEquals(0, sender.sendAll(batch));
        awaitHeartbeats();
        assertEquals(direct + 1, sender.directWrites(2L), "100 messages in one write by the sending thread");
    }

    @Test
    void twoSendingThreadsKeepTheirOrderWhileTheSocketFillsAndTheLoopTakesOver() throws Exception {
        Transport sender = members.get(1L);
        long direct = sender.directWrites(2L);
        long flushes = sender.flushes(2L);
        long refusedBefore = sender.stats().peers().get(2L).messagesDropped();
        // Appends of 64 KiB from one thread (about 64 MiB: far more than loopback's socket buffers hold, so writes
        // come back short and the loop writes the rest), heartbeats from another, as Raft's thread and the log's
        // sync thread both send to one peer. A refused send (queue full) is sent again, as Raft would resend.
        int count = 1000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // Member 2 stops reading until the event loop has had to take over (the socket was full), so the hand-over
        // happens on any machine, loaded or not; then it reads everything.
        Recorder r = members.recorder(2L);
        r.hold();
        Thread releaser = new Thread(() -> {
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (sender.flushes(2L) == flushes && System.nanoTime() < end) Thread.onSpinWait();
            r.release();
        }, "test-releaser");
        releaser.start();
        Thread appender = new Thread(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    long seq = ++appends;
                    Message m = Msgs.append(1, 2, seq, 64 << 10);
                    while (sender.sendAll(List.of(m)) != 0) Thread.onSpinWait();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "test-appender");
        appender.start();
        for (int i = 0; i < count; i++) {
            Message m = Msgs.heartbeat(1, 2, ++heartbeats);
            while (!sender.send(m)) Thread.onSpinWait();
        }
        appender.join(60_000);
        releaser.join(60_000);
        assertNull(failure.get());

        Await.until(() -> lastOf(r, MessageType.MSG_APPEND) == appends && lastOf(r, MessageType.MSG_HEARTBEAT) == heartbeats,
                () -> "member 2 has appends up to " + lastOf(r, MessageType.MSG_APPEND) + " of " + appends
                        + ", heartbeats up to " + lastOf(r, MessageType.MSG_HEARTBEAT) + " of " + heartbeats);
        assertInOrderWithoutGaps(r, MessageType.MSG_APPEND);
        assertInOrderWithoutGaps(r, MessageType.MSG_HEARTBEAT);
        assertTrue(sender.directWrites(2L) > direct, "some written by the senders");
        assertTrue(sender.flushes(2L) > flushes, "some written by the event loop (the socket was full)");
        assertTrue(sender.stats().peers().get(2L).messagesDropped() > refusedBefore, "the queue's bound refused some sends");
    }

    private static void awaitHeartbeats() {
        Recorder r = members.recorder(2L);
        Await.until(() -> lastOf(r, MessageType.MSG_HEARTBEAT) == heartbeats,
                () -> "member 2 has heartbeats up to " + lastOf(r, MessageType.MSG_HEARTBEAT) + " of " + heartbeats);
    }

    private static long lastOf(Recorder r, MessageType type) {
        long last = 0;
        for (Message m : r.messages) if (m.getType() == type) last = m.getIndex();
        return last;
    }

    /** Every message of this type member 2 received carries the next number: none lost, none overtaken. */
    private static void assertInOrderWithoutGaps(Recorder r, MessageType type) {
        List<Long> seen = new ArrayList<>();
        for (Message m : r.messages) if (m.getType() == type) seen.add(m.getIndex());
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(i + 1, seen.get(i), type + " number " + (i + 1) + " arrived as " + seen.get(i)
                    + " (around: " + seen.subList(Math.max(0, i - 3), Math.min(seen.size(), i + 3)) + ")");
        }
    }
}
