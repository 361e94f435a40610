package io.keel.transport;

import io.keel.raft.proto.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotStreamTest {
    private static final int SNAPSHOT_BYTES = 4 << 20;

    @TempDir
    Path receiveDir;

    /** Receives snapshots by keeping their bytes, or refuses them when told to. */
    static final class SnapshotInbox extends Recorder {
        final AtomicReference<Message> meta = new AtomicReference<>();
        final AtomicReference<byte[]> bytes = new AtomicReference<>();
        volatile String refuseWith;

        @Override
        public void onSnapshot(Message m, ReceivedSnapshot snapshot) throws Exception {
            if (refuseWith != null) throw new IOException(refuseWith);
            meta.set(m);
            bytes.set(Files.readAllBytes(snapshot.file()));
            Files.delete(snapshot.file());
        }
    }

    /**
     * A 4 MB snapshot streams from member 1 to member 2. Half way, its source stalls; while it is stalled, in the
     * middle of the stream, heartbeats from member 1 keep arriving at member 2 on their own connection. Then the
     * rest streams, member 2 gets exactly the bytes and the metadata, and member 1's future reports success.
     */
    @Test
    void heartbeatsKeepFlowingWhileASnapshotStreams() throws Exception {
        byte[] data = new byte[SNAPSHOT_BYTES];
        new Random(42).nextBytes(data);
        SnapshotInbox inbox = new SnapshotInbox();
        try (Transport one = Transport.start(Members.fastConfig(Members.CLUSTER, 1).snapshotChunkBytes(64 << 10).build(), new Recorder());
             Transport two = Transport.start(Members.fastConfig(Members.CLUSTER, 2).snapshotDirectory(receiveDir)
                     .peer(1, one.localAddress()).build(), inbox)) {
            one.addPeer(2, two.localAddress());
            Members.awaitConnected(one, List.of(2L));

            StallingStream source = new StallingStream(data, SNAPSHOT_BYTES / 2);
            Message meta = Msgs.snapshotMeta(1, 2, 1234);
            CompletableFuture<Void> delivered = one.sendSnapshot(2, meta, source, data.length);
            assertTrue(source.reachedStall.await(20, TimeUnit.SECONDS), "the stream got half way");
            Await.until(() -> partialFileSize() > 0, () -> "member 2 is writing the snapshot");

            for (int i = 1; i <= 100; i++) assertTrue(one.send(Msgs.heartbeat(1, 2, i)));
            Await.until(() -> inbox.from(1L) == 100, () -> "heartbeats arrive during the snapshot: " + inbox.from(1L));
            assertNull(inbox.bytes.get(), "the snapshot is still in the middle of its stream");
            assertTrue(!delivered.isDone(), "and not confirmed yet");

            source.resume.countDown();
            delivered.get(30, TimeUnit.SECONDS);
            assertArrayEquals(data, inbox.bytes.get());
            assertEquals(meta, inbox.meta.get());
            assertEquals(0, inbox.disorderFrom(1L));
            assertEquals(1, one.stats().snapshotsSent());
            assertEquals(1, two.stats().snapshotsReceived());
            assertEquals(1, one.stats().connects(), "the message connection was never disturbed");
            Await.until(() -> partialFileSize() == 0, () -> "no temporary file left behind");
        }
    }

    @Test
    void aRefusedSnapshotFailsTheSendersFutureAndLeavesNoFile() throws Exception {
        SnapshotInbox inbox = new SnapshotInbox();
        inbox.refuseWith = "disk full";
        try (Transport one = Transport.start(Members.fastConfig(Members.CLUSTER, 1).build(), new Recorder());
             Transport two = Transport.start(Members.fastConfig(Members.CLUSTER, 2).snapshotDirectory(receiveDir)
                     .peer(1, one.localAddress()).build(), inbox)) {
            one.addPeer(2, two.localAddress());
            byte[] data = new byte[300_000];
            ExecutionException e = assertThrows(ExecutionException.class, () -> one.sendSnapshot(2,
                    Msgs.snapshotMeta(1, 2, 7), new ByteArrayInputStream(data), data.length).get(20, TimeUnit.SECONDS));
            assertInstanceOf(SnapshotTransferException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("disk full"), e.getCause().getMessage());
            assertEquals(1, one.stats().snapshotsFailed());
            Await.until(() -> partialFileSize() == 0 && fileCount() == 0, () -> "the refused snapshot's file removed");
        }
    }

    @Test
    void aSourceShorterThanDeclaredFailsOnBothSides() throws Exception {
        SnapshotInbox inbox = new SnapshotInbox();
        try (Transport one = Transport.start(Members.fastConfig(Members.CLUSTER, 1).build(), new Recorder());
             Transport two = Transport.start(Members.fastConfig(Members.CLUSTER, 2).snapshotDirectory(receiveDir)
                     .peer(1, one.localAddress()).build(), inbox)) {
            one.addPeer(2, two.localAddress());
            ExecutionException e = assertThrows(ExecutionException.class, () -> one.sendSnapshot(2,
                    Msgs.snapshotMeta(1, 2, 7), new ByteArrayInputStream(new byte[1000]), 5000).get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("source ended after 1000 of 5000 bytes"), e.getCause().getMessage());
            Await.until(() -> two.stats().snapshotsFailed() == 1, () -> "the receiver gave up on the stream too");
            Await.until(() -> fileCount() == 0, () -> "its partial file removed");
            assertNull(inbox.bytes.get());
        }
    }

    @Test
    void anUnreachablePeerFailsTheFuture() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = (InetSocketAddress) s.getLocalSocketAddress();
        } // closed: nothing listens there now
        try (Transport one = Transport.start(Members.fastConfig(Members.CLUSTER, 1).peer(2, nobody).build(), new Recorder())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> one.sendSnapshot(2,
                    Msgs.snapshotMeta(1, 2, 7), new ByteArrayInputStream(new byte[10]), 10).get(20, TimeUnit.SECONDS));
            assertInstanceOf(SnapshotTransferException.class, e.getCause());
            ExecutionException unknown = assertThrows(ExecutionException.class, () -> one.sendSnapshot(5,
                    Msgs.snapshotMeta(1, 5, 7), new ByteArrayInputStream(new byte[10]), 10).get(20, TimeUnit.SECONDS));
            assertTrue(unknown.getCause().getMessage().contains("not a peer"));
        }
    }

    private long partialFileSize() {
        try (Stream<Path> files = Files.list(receiveDir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part")).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private long fileCount() {
        try (Stream<Path> files = Files.list(receiveDir)) {
            return files.count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Serves its bytes, but stops at {@code stallAt} until released (a slow disk, say). */
    static final class StallingStream extends InputStream {
        final CountDownLatch reachedStall = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        private final ByteArrayInputStream data;
        private final int stallAt;
        private int position;

        StallingStream(byte[] bytes, int stallAt) {
            this.data = new ByteArrayInputStream(bytes);
            this.stallAt = stallAt;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position == stallAt) {
                reachedStall.countDown();
                try {
                    if (!resume.await(60, TimeUnit.SECONDS)) throw new IOException("never resumed");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            int limit = position < stallAt ? Math.min(len, stallAt - position) : len;
            int n = data.read(b, off, limit);
            if (n > 0) position += n;
            return n;
        }
    }
}
