package io.keel.transport;

import io.keel.raft.proto.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-offs a batch of messages costs (issue 12, "few hand-offs per write"): {@link Transport#sendAll} writes
 * each peer's share with one event-loop task and one flush, and the receiver hands a read burst to its listener in
 * one call, together with what its other peers' connections read in the same turn of its event loop; order per peer
 * and the drop rules are those of {@link Transport#send}. One cluster of three for all.
 */
class BatchedHandOffTest {
    private static Members members;
    private static final long[] nextSeq = new long[4]; // per receiver, for messages from member 1
    private static long nextSeqFrom2To3;

    @BeforeAll
    static void start() throws IOException {
        // The event loop's path: with direct writes a sending thread would write an idle connection itself
        // (DirectWriteTest).
        members = Members.start(List.of(1L, 2L, 3L), b -> b.directWrites(false), true);
        members.awaitConnected();
    }

    @AfterAll
    static void stop() {
        members.close();
    }

    @Test
    void aBatchForTwoPeersLeavesWithOneFlushEachAndArrivesInOrder() {
        Transport sender = members.get(1L);
        long flushesTo2 = sender.flushes(2L);
        long flushesTo3 = sender.flushes(3L);
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(Msgs.append(1, 2, ++nextSeq[2], 100));
            batch.add(Msgs.heartbeat(1, 3, ++nextSeq[3]));
        }
        assertEquals(0, sender.sendAll(batch), "nothing dropped");

        awaitDelivered(2L);
        awaitDelivered(3L);
        // The sender counts a flush just after making it, so a peer may have read the bytes before it is counted.
        Await.until(() -> sender.flushes(2L) > flushesTo2 && sender.flushes(3L) > flushesTo3,
                () -> "the sender counted its flushes to members 2 and 3");
        assertEquals(flushesTo2 + 1, sender.flushes(2L), "member 2's 100 messages written with one flush");
        assertEquals(flushesTo3 + 1, sender.flushes(3L), "member 3's 100 messages written with one flush");
    }

    @Test
    void aReadBurstReachesTheListenerInOneCallInOrder() {
        Recorder receiver = members.recorder(2L);
        int callsBefore = receiver.bursts.size();
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) batch.add(Msgs.heartbeat(1, 2, ++nextSeq[2]));
        assertEquals(0, members.get(1L).sendAll(batch));

        awaitDelivered(2L);
        List<Integer> bursts = new ArrayList<>(receiver.bursts).subList(callsBefore, receiver.bursts.size());
        assertEquals(1000, bursts.stream().mapToInt(Integer::intValue).sum(), "every message came in a burst");
        // 1000 frames written at once arrive in a few reads; one call per message would be 1000 calls.
        assertTrue(bursts.size() < 100, "handed over in " + bursts.size() + " calls: " + bursts);
        assertTrue(bursts.stream().allMatch(n -> n <= InboundMessages.MAX_BURST), "no burst above the bound: " + bursts);
    }

    @Test
    void twoPeersMessagesReadInOneTurnReachTheListenerInOneCall() throws InterruptedException {
        Transport receiver = members.get(3L);
        Recorder recorder = members.recorder(3L);
        // Hold member 3's inbound event loop so both peers' messages are waiting in its sockets when it next polls.
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        receiver.inboundLoop().execute(() -> {
            held.countDown();
            awaitQuietly(release);
        });
        assertTrue(held.await(30, TimeUnit.SECONDS), "member 3's inbound loop never ran the holding task");
        int callsBefore = recorder.bursts.size();
        try {
            Transport one = members.get(1L);
            Transport two = members.get(2L);
            long oneFlushes = one.flushes(3L);
            long twoFlushes = two.flushes(3L);
            assertTrue(one.send(Msgs.heartbeat(1, 3, ++nextSeq[3])));
            assertTrue(two.send(Msgs.heartbeat(2, 3, ++nextSeqFrom2To3)));
            // A flush is counted once the bytes are in the socket: on loopback, in member 3's receive buffer.
            Await.until(() -> one.flushes(3L) > oneFlushes && two.flushes(3L) > twoFlushes,
                    () -> "flushes to member 3: member 1 " + one.flushes(3L) + ", member 2 " + two.flushes(3L));
            assertEquals(callsBefore, recorder.bursts.size(), "nothing was handed over while the loop was held");
        } finally {
            release.countDown();
        }
        awaitDelivered(3L);
        Await.until(() -> recorder.lastIndexFrom(2L) == nextSeqFrom2To3,
                () -> "member 3 got up to " + recorder.lastIndexFrom(2L) + " from member 2 of " + nextSeqFrom2To3);
        List<Set<Long>> calls = new ArrayList<>(recorder.burstSenders).subList(callsBefore, recorder.burstSenders.size());
        assertEquals(List.of(Set.of(1L, 2L)), calls, "both peers' messages in one call");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("the test never released the loop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aBatchDropsWhatSendWouldDropAndStillDeliversTheRest() {
        Transport sender = members.get(1L);
        long noPeerBefore = sender.stats().messagesDroppedNoPeer();
        List<Message> batch = List.of(Msgs.heartbeat(1, 3, ++nextSeq[3]), Msgs.heartbeat(1, 7, 1),
                Msgs.heartbeat(1, 3, ++nextSeq[3]));
        assertEquals(1, sender.sendAll(batch), "the message to unknown member 7 is dropped");
        assertEquals(noPeerBefore + 1, sender.stats().messagesDroppedNoPeer());
        awaitDelivered(3L);

        long seq3 = nextSeq[3];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sender.sendAll(
                List.of(Msgs.heartbeat(1, 3, seq3 + 1), Msgs.snapshotMeta(1, 3, 10))));
        assertTrue(e.getMessage().contains("use sendSnapshot"), e.getMessage());
        // Refused as a whole: the heartbeat ahead of the snapshot was not queued either.
        assertEquals(0, sender.sendAll(List.of(Msgs.heartbeat(1, 3, ++nextSeq[3]))));
        awaitDelivered(3L);
    }

    /** Everything member 1 numbered for {@code to} has arrived, in order, with no gap. */
    private static void awaitDelivered(long to) {
        Recorder r = members.recorder(to);
        Await.until(() -> r.lastIndexFrom(1L) == nextSeq[(int) to],
                () -> "member " + to + " got up to " + r.lastIndexFrom(1L) + " of " + nextSeq[(int) to]);
        assertEquals(0, r.disorderFrom(1L), "out of order or lost at member " + to);
        assertEquals(nextSeq[(int) to], r.from(1L));
    }
}
