package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Role;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.raft.runtime.Completion;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.ReadAnswer;
import io.keel.raft.runtime.Refusal;
import io.keel.raft.runtime.RuntimeObserver;
import io.keel.raft.runtime.StateMachine;
import io.keel.raft.runtime.WriteOptions;
import io.keel.server.Poll;
import io.keel.storage.log.GroupCommitLog;
import io.keel.storage.log.RocksLogStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The member runtime driven by the server's adapters, with real parts: a RocksDB log behind the group commit log
 * ({@link GroupCommitLogStore}, fsyncs included), the monotonic clock with its suspension check
 * ({@link MonotonicClock}), and the stages on a raft thread ({@link RaftLoop}, {@link ServerStages}), an apply thread
 * and a read pool. A single member elects itself, so every write and read crosses each adapter.
 */
class RuntimeAdaptersTest {
    private static final long CLUSTER = 7;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private RocksLogStorage storage;
    private GroupCommitLog log;
    private RaftLoop raftThread;
    private ExecutorService applyThread;
    private ExecutorService readPool;
    private MemberRuntime<String> runtime;
    private final Machine machine = new Machine();
    private final AtomicLong persisted = new AtomicLong();
    private final List<String> durableOn = new CopyOnWriteArrayList<>();

    /** Records each normal entry's data; answers a write with it. */
    private static final class Machine implements StateMachine<String> {
        final List<String> applied = new CopyOnWriteArrayList<>();

        @Override
        public List<String> apply(List<Entry> entries, ConfState confState) {
            List<String> results = new ArrayList<>();
            for (Entry e : entries) {
                String data = e.getType() == EntryType.ENTRY_NORMAL ? e.getData().toStringUtf8() : null;
                if (data != null && !data.isEmpty()) applied.add(data);
                results.add(data);
            }
            return results;
        }

        @Override
        public void installSnapshot(SnapshotMetadata snapshot) {
            throw new UnsupportedOperationException("a single member receives no snapshot");
        }

        @Override
        public ByteString tagOrigin(ByteString data, long member, long request) {
            return data;
        }

        @Override
        public long originRequest(Entry entry, long member) {
            return -1;
        }
    }

    @BeforeEach
    void start() {
        storage = RocksLogStorage.bootstrap(dir, CLUSTER, 1, 1);
        log = new GroupCommitLog(storage);
        RaftNode node = new RaftNode(RaftConfig.defaults(1)
                .withTimeouts(Duration.ofMillis(200), Duration.ofMillis(20)), storage, System.nanoTime());
        // The loop's own node never ticks (an hour): here the loop is only the raft stage's executor.
        raftThread = new RaftLoop(new RaftNode(RaftConfig.defaults(9), MemoryStorage.bootstrap(9),
                System.nanoTime()), Duration.ofHours(1).toNanos());
        raftThread.start(r -> { }, Throwable::printStackTrace);
        applyThread = Executors.newSingleThreadExecutor();
        readPool = Executors.newFixedThreadPool(2);
        MemberObserver observer = new MemberObserver() {
            @Override
            public void persisted(long nanos) {
                persisted.incrementAndGet();
                durableOn.add(Thread.currentThread().getName());
            }
        };
        runtime = new MemberRuntime<>(node, new GroupCommitLogStore(log, observer), machine, messages -> { },
                new MonotonicClock(ClockJumps.system(), 1), ServerStages.of(raftThread, applyThread, readPool),
                new MemberRuntime.Limits(1000, WAIT.toNanos()), RuntimeObserver.NONE, 1);
        onRaft(runtime::start);
        Poll.until("the single member leads", WAIT, () -> {
            onRaft(runtime::tick);
            return onRaft(() -> runtime.node().role() == Role.LEADER);
        });
    }

    @AfterEach
    void stop() {
        raftThread.stop();
        applyThread.shutdownNow();
        readPool.shutdownNow();
        log.close();
        storage.close();
    }

    @Test
    void aWriteIsAnsweredOnceAppliedAndIsOnDiskThroughTheGroupCommitLog() throws Exception {
        long before = persisted.get();
        Answer<String> put = new Answer<>();
        onRaft(() -> runtime.propose(ByteString.copyFromUtf8("put a"), WriteOptions.LEADER_ONLY,
                Long.MAX_VALUE, put));
        assertEquals("put a", put.result.get(60, TimeUnit.SECONDS));
        assertEquals(List.of("put a"), machine.applied);
        assertTrue(persisted.get() > before, "the write went through the group commit log");
        assertTrue(durableOn.stream().allMatch(t -> t.startsWith("keel-log-sync")),
                "the durable completion runs on the sync thread: " + durableOn);
        // On disk: the entry is in the RocksDB log the group commit log synced.
        long last = storage.lastIndex();
        assertEquals("put a", storage.entries(last, last + 1, Long.MAX_VALUE).get(0).getData().toStringUtf8());
    }

    @Test
    void aLinearizableReadRunsOnTheReadPoolAfterTheWritesBeforeIt() throws Exception {
        Answer<String> put = new Answer<>();
        onRaft(() -> runtime.propose(ByteString.copyFromUtf8("put b"), WriteOptions.LEADER_ONLY,
                Long.MAX_VALUE, put));
        put.result.get(60, TimeUnit.SECONDS);
        Answer<ReadAnswer<String>> read = new Answer<>();
        onRaft(() -> runtime.read(() -> Thread.currentThread().getName() + " " + machine.applied,
                System.nanoTime() + WAIT.toNanos(), read));
        String seen = read.result.get(60, TimeUnit.SECONDS).value();
        assertTrue(seen.endsWith("[put b]"), seen);
        assertTrue(seen.startsWith("pool-"), "ran on the read pool: " + seen);
    }

    @Test
    void aWriteTheLogRefusesStopsTheRuntimeAndIsAnsweredStopped() throws Exception {
        log.close(); // every later write is refused at once: the adapter reports it failed
        Answer<String> put = new Answer<>();
        onRaft(() -> runtime.propose(ByteString.copyFromUtf8("put c"), WriteOptions.LEADER_ONLY,
                Long.MAX_VALUE, put));
        Refusal refusal = put.refusal.get(60, TimeUnit.SECONDS);
        assertEquals(Refusal.Kind.STOPPED, refusal.kind());
        assertTrue(runtime.stopped());
        assertNotNull(runtime.failure());
        assertTrue(machine.applied.isEmpty(), "nothing applied after the failed write");
    }

    @Test
    void theClockReportsASuspensionOnceAndMeasuresMonotonicTime() {
        AtomicLong mono = new AtomicLong(1_000_000_000L);
        AtomicLong wall = new AtomicLong(1_700_000_000_000L);
        MonotonicClock clock = new MonotonicClock(new ClockJumps(mono::get, wall::get), 1);
        assertEquals(1_000_000_000L, clock.now());
        mono.addAndGet(50_000_000);
        wall.addAndGet(50);
        assertFalse(clock.mayHaveStoppedSinceLastCheck(), "both clocks went on together");
        wall.addAndGet(30_000); // thirty seconds of wall time while the monotonic clock stood still
        assertTrue(clock.mayHaveStoppedSinceLastCheck());
        assertFalse(clock.mayHaveStoppedSinceLastCheck(), "reported once");

        long mark = clock.suspensionMark(); // as a lease published now carries it
        mono.addAndGet(10_000_000);
        wall.addAndGet(10);
        assertFalse(clock.mayHaveStoppedSince(mark), "both clocks went on together");
        wall.addAndGet(30_000);
        assertTrue(clock.mayHaveStoppedSince(mark), "a reader sees the suspension before the raft stage checks");
    }

    /** Runs {@code task} on the raft stage and waits for it. */
    private void onRaft(Runnable task) {
        onRaft(() -> {
            task.run();
            return null;
        });
    }

    private <T> T onRaft(java.util.function.Supplier<T> task) {
        CompletableFuture<T> done = new CompletableFuture<>();
        raftThread.execute(() -> {
            try {
                done.complete(task.get());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            return done.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the raft stage did not run the task", e);
        }
    }

    private static final class Answer<T> implements Completion<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final CompletableFuture<Refusal> refusal = new CompletableFuture<>();

        @Override
        public void completed(T value) {
            result.complete(value);
        }

        @Override
        public void refused(Refusal r) {
            refusal.complete(r);
            result.completeExceptionally(r);
        }
    }
}
