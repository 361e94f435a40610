package io.keel.transport;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that accepts, completes the handshake and then never reads: what exceeds the byte bound is dropped and
 * counted, sending never blocks, memory stays at the bound, and another peer is served meanwhile.
 */
class BackPressureTest {
    private static final long QUEUE_BYTES = 256 << 10;

    @Test
    void sendsBeyondTheBoundToAStuckPeerAreDroppedAndCountedWithoutBlocking() throws Exception {
        try (ServerSocket stuckPeer = new ServerSocket()) {
            stuckPeer.setReceiveBufferSize(16 << 10); // small socket buffers, so the bound is reached soon
            stuckPeer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (Members m = Members.start(List.of(1L, 3L), b -> b.outboundQueueBytes(QUEUE_BYTES), true)) {
                Transport sender = m.get(1L);
                sender.addPeer(2L, (InetSocketAddress) stuckPeer.getLocalSocketAddress());
                try (RawPeer stuck = RawPeer.over(stuckPeer.accept())) {
                    stuck.readFrame(Duration.ofSeconds(10)).release(); // the HELLO
                    stuck.write(RawPeer.bytes(HelloReply.accepted(Members.CLUSTER, 2L, 1L)
                            .encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT)));
                    Members.awaitConnected(sender, List.of(2L, 3L));
                    // From here on member 2 reads nothing.

                    final int messages = 200_000; // ~100 bytes each: 20 MB, far beyond queue and socket buffers
                    long[] refused = {0};
                    long[] slowestSendNanos = {0};
                    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                        for (int i = 1; i <= messages; i++) {
                            long t0 = System.nanoTime();
                            if (!sender.send(Msgs.append(1, 2, i, 50))) refused[0]++;
                            slowestSendNanos[0] = Math.max(slowestSendNanos[0], System.nanoTime() - t0);
                            if (i % 1000 == 0) {
                                long queued = sender.stats().peers().get(2L).queuedBytes();
                                assertTrue(queued <= QUEUE_BYTES, "queued " + queued);
                            }
                        }
                    }, "send() blocked on a peer that does not read");

                    TransportStats.PeerStats toStuck = sender.stats().peers().get(2L);
                    System.out.printf("back-pressure: %d of %d dropped, %d queued bytes, slowest send %d µs%n",
                            toStuck.messagesDropped(), messages, toStuck.queuedBytes(), slowestSendNanos[0] / 1000);
                    assertTrue(refused[0] > messages / 2, "most messages were dropped: " + refused[0]);
                    assertEquals(refused[0], toStuck.messagesDropped(), "every drop was counted");
                    assertTrue(toStuck.queuedBytes() <= QUEUE_BYTES, "queue within its bound: " + toStuck.queuedBytes());
                    assertTrue(toStuck.connected(), "a slow peer is not disconnected for being slow");

                    // Member 3 is served all along: the stuck peer's queue is its own.
                    for (int i = 1; i <= 1000; i++) assertTrue(sender.send(Msgs.heartbeat(1, 3, i)));
                    Await.until(() -> m.recorder(3L).from(1L) == 1000, () -> "member 3 gets everything");
                    assertEquals(0, m.recorder(3L).disorderFrom(1L));
                    assertEquals(0, sender.stats().peers().get(3L).messagesDropped());
                }
            }
        }
    }
}
