package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.server.Poll;
import io.keel.storage.log.GroupCommitLog;
import io.keel.storage.log.LogWrite;
import io.keel.storage.log.RocksLogStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * When {@link PersistPipeline} wakes the raft thread to hand a durable Ready back, and when it lets the hand-back
 * ride on the next wake-up. Real parts: a RocksDB log behind the group commit log (fsyncs included) and a raft
 * thread; the thread ticks once an hour, so a hand-back wrongly deferred is never rescued by a tick and the poll
 * for it times out.
 */
class PersistHandBackTest {
    private static final long CLUSTER = 7;

    @TempDir
    Path dir;

    private RocksLogStorage storage;
    private GroupCommitLog log;
    private RaftLoop loop;
    private PersistPipeline pipeline;
    private final AtomicBoolean raftWaits = new AtomicBoolean();
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        storage = RocksLogStorage.bootstrap(dir, CLUSTER, 1, 1); // index 1: the bootstrap configuration
        log = new GroupCommitLog(storage);
        RaftNode node = new RaftNode(RaftConfig.defaults(1), MemoryStorage.bootstrap(1), System.nanoTime());
        loop = new RaftLoop(node, Duration.ofHours(1).toNanos());
        loop.start(r -> { }, Throwable::printStackTrace); // never ticks: the node hands out nothing itself
        pipeline = new PersistPipeline(log, loop, messages -> { }, r -> events.add(name(r)),
                t -> events.add("failed: " + t), raftWaits::get);
    }

    @AfterEach
    void stop() {
        loop.stop();
        log.close();
        storage.close();
    }

    @Test
    void aWriteTheNodeWaitsForIsHandedBackAtOnce() {
        raftWaits.set(true); // a leader: its own durable log counts towards the commit
        submit(write(2));
        Poll.until("the write is handed back", () -> events.contains("write 2"));
    }

    @Test
    void aWriteCarryingCommittedEntriesIsHandedBackAtOnce() {
        submit(new Ready(hardState(2), List.of(entry(2)), null, List.of(), List.of(), List.of(entry(2)), List.of(),
                null, null));
        Poll.until("the write is handed back", () -> events.contains("write 2"));
    }

    @Test
    void committedEntriesQueuedBehindAWriteNobodyWaitsForAreHandedBackOnceItIsDurable() {
        Ready commit = new Ready(null, List.of(), null, List.of(), List.of(), List.of(entry(2)), List.of(), null,
                null);
        loop.execute(() -> {
            pipeline.submit(write(2), null);
            pipeline.submit(commit, null); // nothing to write: waits behind the write, then goes to apply
        });
        Poll.until("both are handed back", () -> events.size() == 2);
        assertEquals(List.of("write 2", "commit 2"), events);
    }

    @Test
    void aWriteNobodyWaitsForIsHandedBackBeforeTheNextTaskTheRaftThreadWakesFor() throws Exception {
        AtomicReference<CompletableFuture<Void>> later = new AtomicReference<>();
        loop.execute(() -> {
            pipeline.submit(write(2), null);
            // A later write straight to the log: the sync thread completes writes in order, running each one's
            // completion (the hand-back decision) before it completes the next.
            later.set(log.persist(new LogWrite(List.of(entry(3)), hardState(2), null)));
        });
        Poll.until("the raft thread handed both writes to the log", () -> later.get() != null);
        later.get().get(30, TimeUnit.SECONDS);
        loop.execute(() -> events.add("woke"));
        Poll.until("the raft thread woke", () -> events.contains("woke"));
        assertEquals(List.of("write 2", "woke"), events);
    }

    private void submit(Ready ready) {
        loop.execute(() -> pipeline.submit(ready, null));
    }

    private static Ready write(long index) {
        return new Ready(hardState(index - 1), List.of(entry(index)), null, List.of(), List.of(), List.of(),
                List.of(), null, null);
    }

    private static HardState hardState(long commit) {
        return HardState.newBuilder().setTerm(1).setVote(1).setCommit(commit).build();
    }

    private static Entry entry(long index) {
        return Entry.newBuilder().setIndex(index).setTerm(1).setData(ByteString.copyFromUtf8("v" + index)).build();
    }

    private static String name(Ready r) {
        if (!r.entries().isEmpty()) return "write " + r.lastEntry().getIndex();
        return "commit " + r.committedEntries().get(r.committedEntries().size() - 1).getIndex();
    }
}
