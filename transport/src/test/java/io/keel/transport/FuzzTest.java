package io.keel.transport;

import io.keel.raft.proto.Message;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * At least 10,000 random and mutated frames over raw sockets against member 1, most after a valid handshake (so they
 * reach the message decoder), some instead of one. Member 1 keeps serving member 2 throughout, the same connection
 * all along; no frame above the limit is ever allocated, and memory in use stays bounded.
 *
 * <p>Replay a run with {@code -Dkeel.fuzz.seed=N}.
 */
class FuzzTest {
    private static final int MAX_FRAME = 64 << 10;
    private static final int FRAMES = 10_000;
    private static final long FUZZER = 9;

    @Test
    void randomAndMutatedFramesNeverHurtTheServerOrItsOtherPeers() throws IOException {
        long seed = Long.getLong("keel.fuzz.seed", System.nanoTime());
        System.out.println("FuzzTest seed " + seed + " (replay with -Dkeel.fuzz.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        MeasuringAllocator allocator = new MeasuringAllocator();
        long heapBefore = usedHeapAfterGc();

        Recorder inbox = new Recorder();
        try (Transport server = Transport.start(Members.fastConfig(Members.CLUSTER, 1L).maxFrameBytes(MAX_FRAME)
                .allocator(allocator).peer(FUZZER, new InetSocketAddress("127.0.0.1", 9)).build(), inbox);
             Transport good = Transport.start(Members.fastConfig(Members.CLUSTER, 2L)
                     .peer(1L, server.localAddress()).build(), new Recorder())) {
            server.addPeer(2L, good.localAddress());
            Members.awaitConnected(good, List.of(1L));

            int frames = 0;
            int connections = 0;
            long goodSeq = 0;
            while (frames < FRAMES) {
                frames += fuzzOneConnection(server.localAddress(), random);
                connections++;
                good.send(Msgs.heartbeat(2, 1, ++goodSeq));
                if (connections % 250 == 0) {
                    long expected = goodSeq;
                    Await.until(() -> inbox.lastIndexFrom(2L) == expected,
                            () -> "member 2 is served during the fuzzing: " + inbox.lastIndexFrom(2L) + " of " + expected);
                }
            }
            long expected = goodSeq;
            Await.until(() -> inbox.lastIndexFrom(2L) == expected, () -> "member 2's messages all delivered");
            assertEquals(expected, inbox.from(2L), "none of member 2's messages lost");
            assertEquals(0, inbox.disorderFrom(2L), "member 2's messages in order");
            assertEquals(1, good.stats().connects(), "member 2's connection never broke");
            assertEquals(List.of(), inbox.senders().stream().filter(id -> id != 2L && id != FUZZER).toList(),
                    "nothing delivered in another member's name");

            TransportStats s = server.stats();
            System.out.printf("fuzz: %d frames on %d connections; %d closed for bad input, %d refused handshakes; "
                            + "largest buffer %d bytes, peak in use %d bytes%n", frames, connections,
                    s.badInputDisconnects(), s.handshakeRefusals(), allocator.largestRequest.get(), allocator.peakInUse.get());
            assertTrue(s.badInputDisconnects() > connections / 4, "most fuzz connections were closed for bad input: " + s);
            // A frame is at most MAX_FRAME; a read buffer or a cumulation may round up to twice that.
            assertTrue(allocator.largestRequest.get() <= 2L * (MAX_FRAME + 64 * 1024),
                    "largest allocation " + allocator.largestRequest.get());
            assertTrue(allocator.peakInUse.get() <= 16L << 20, "peak buffer memory " + allocator.peakInUse.get());
        }
        long heapAfter = usedHeapAfterGc();
        assertTrue(heapAfter - heapBefore < 64L << 20, "heap grew from " + heapBefore + " to " + heapAfter);
    }

    /** One connection: maybe a valid HELLO as member 9, then 1 to 8 frames, valid or mutated. Returns frames sent. */
    private static int fuzzOneConnection(InetSocketAddress server, SplittableRandom random) throws IOException {
        int frames = 0;
        try (RawPeer raw = RawPeer.connect(server)) {
            boolean handshake = random.nextInt(10) < 8;
            if (handshake) raw.write(RawPeer.hello(Hello.of(StreamKind.MESSAGES, Members.CLUSTER, FUZZER, 1)));
            int n = 1 + random.nextInt(8);
            for (int i = 0; i < n; i++) {
                byte[] frame = random.nextInt(10) < 4 ? validFrame(random) : mutate(validFrame(random), random);
                frames++;
                if (!raw.write(frame)) break; // the server already hung up on an earlier frame
            }
            // Hang up and wait for the server to finish with this connection before the next one.
            raw.shutdownOutput();
            assertTrue(raw.awaitClosedByPeer(Duration.ofSeconds(10)), "the server closes every fuzz connection");
        }
        return frames;
    }

    private static byte[] validFrame(SplittableRandom random) {
        return switch (random.nextInt(6)) {
            case 0 -> RawPeer.hello(Hello.of(StreamKind.MESSAGES, Members.CLUSTER, FUZZER, 1));
            case 1 -> RawPeer.message(Msgs.append(FUZZER, 1, random.nextInt(1000), random.nextInt(2000)));
            case 2 -> RawPeer.frame(FrameType.SNAPSHOT_CHUNK, new byte[random.nextInt(100)]);
            case 3 -> RawPeer.message(Msgs.append(FUZZER, 1, random.nextInt(1000), MAX_FRAME - 100 - random.nextInt(1000)));
            default -> RawPeer.message(heartbeat(random));
        };
    }

    private static Message heartbeat(SplittableRandom random) {
        return Msgs.heartbeat(FUZZER, 1, random.nextLong(1, Long.MAX_VALUE));
    }

    private static byte[] mutate(byte[] frame, SplittableRandom random) {
        byte[] b = frame.clone();
        switch (random.nextInt(7)) {
            case 0 -> { // bit flips
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    int at = random.nextInt(b.length);
                    b[at] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length)); // truncated
            case 2 -> { // huge (or just too large) length prefix
                int length = random.nextBoolean() ? MAX_FRAME + 1 + random.nextInt(1 << 20) : random.nextInt() | 0x40000000;
                b[0] = (byte) (length >>> 24);
                b[1] = (byte) (length >>> 16);
                b[2] = (byte) (length >>> 8);
                b[3] = (byte) length;
            }
            case 3 -> { // random bytes
                b = new byte[1 + random.nextInt(300)];
                random.nextBytes(b);
            }
            case 4 -> b[4] = (byte) random.nextInt(256); // type byte
            case 5 -> { // length off by a little
                int length = ((b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF))
                        + random.nextInt(-8, 9);
                b[0] = (byte) (length >>> 24);
                b[1] = (byte) (length >>> 16);
                b[2] = (byte) (length >>> 8);
                b[3] = (byte) length;
            }
            default -> { // valid frame followed by junk
                byte[] junk = new byte[1 + random.nextInt(64)];
                random.nextBytes(junk);
                byte[] joined = Arrays.copyOf(b, b.length + junk.length);
                System.arraycopy(junk, 0, joined, b.length, junk.length);
                b = joined;
            }
        }
        return b;
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
