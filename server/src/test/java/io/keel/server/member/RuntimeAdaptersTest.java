package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.ReadAnswer;
import io.keel.raft.runtime.Refusal;
import io.keel.raft.runtime.RuntimeObserver;
import io.keel.raft.runtime.WriteOptions;
import io.keel.server.MemberStoppedException;
import io.keel.server.Poll;
import io.keel.server.RaftThreadHold;
import io.keel.server.RequestTimeoutException;
import io.keel.storage.log.GroupCommitLog;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.Response;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The member runtime driven by the server's adapters, with real parts: a RocksDB log behind the group commit log
 * ({@link GroupCommitLogStore}, fsyncs included), the monotonic clock with its suspension check
 * ({@link MonotonicClock}), and the stages on a raft thread ({@link RaftLoop}, {@link ServerStages}), an apply thread
 * and a read pool. A single member elects itself, so every write and read crosses each adapter. The raft thread
 * ticks the runtime and batches its tasks ({@link RaftLoop#start(MemberRuntime, java.util.function.Consumer)}), and
 * each write's completion is its {@link RequestTimer}, as the member will have them.
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
    private MemberRuntime<EntryOutcome> runtime;
    private final LoopRuntime.RecordingMachine machine = new LoopRuntime.RecordingMachine();
    private final AtomicLong persisted = new AtomicLong();
    private final List<String> durableOn = new CopyOnWriteArrayList<>();
    /** For each Ready that carried any, how many of its entries are {@link #tasksQueuedTogetherBecomeOneReady}'s. */
    private final List<Integer> burstEntriesPerReady = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        storage = RocksLogStorage.bootstrap(dir, CLUSTER, 1, 1);
        log = new GroupCommitLog(storage);
        RaftNode node = new RaftNode(RaftConfig.defaults(1)
                .withTimeouts(Duration.ofMillis(200), Duration.ofMillis(20)), storage, System.nanoTime());
        raftThread = new RaftLoop(node, Duration.ofMillis(10).toNanos());
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
                new MemberRuntime.Limits(1000, WAIT.toNanos()), raftThread.recordingSoftState(new RuntimeObserver() {
                    @Override
                    public void readyHandedOut(Ready ready) {
                        int burst = (int) ready.entries().stream()
                                .filter(e -> e.getData().toStringUtf8().startsWith("burst ")).count();
                        if (burst > 0) burstEntriesPerReady.add(burst);
                    }
                }), 1);
        raftThread.start(runtime, Throwable::printStackTrace);
        // Nobody ticks but the raft thread: the member elects itself on its ticks.
        Poll.until("the single member leads", WAIT, () -> onRaft(() -> runtime.node().role() == Role.LEADER));
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
    void theRaftThreadFollowsTheRuntimesSoftState() {
        Poll.until("the raft thread sees the runtime's soft state", WAIT,
                () -> raftThread.softState().role() == Role.LEADER);
        assertEquals(1, raftThread.softState().leaderId());
        assertEquals(onRaft(() -> runtime.node().term()), raftThread.softState().term());
    }

    @Test
    void tasksQueuedTogetherBecomeOneReady() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        RaftThreadHold.until(raftThread, hold); // the writes below queue up behind it
        List<CompletableFuture<Response>> burst = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            CompletableFuture<Response> result = new CompletableFuture<>();
            RequestTimer timer = RequestTimer.arm(result, RequestDeadline.after(WAIT), 1);
            ByteString data = ByteString.copyFromUtf8("burst " + i);
            raftThread.execute(() -> runtime.propose(data, WriteOptions.LEADER_ONLY, Long.MAX_VALUE, timer));
            burst.add(result);
        }
        hold.countDown();
        for (CompletableFuture<Response> w : burst) assertInstanceOf(PutResponse.class, w.get(60, TimeUnit.SECONDS));
        // One Ready for the whole batch: one write to the log for the hundred entries, not one each.
        assertEquals(List.of(100), burstEntriesPerReady);
    }

    @Test
    void aWriteWhoseDeadlinePassedBeforeTheRaftThreadTookItIsDroppedAndNeverApplies() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        RaftThreadHold.until(raftThread, hold);
        CompletableFuture<Response> late = new CompletableFuture<>();
        RequestTimer timer = RequestTimer.arm(late, RequestDeadline.after(Duration.ofMillis(20)), 1);
        AtomicReference<MemberRuntime.Admission> admission = new AtomicReference<>();
        raftThread.execute(() -> admission.set(runtime.propose(ByteString.copyFromUtf8("put late"),
                WriteOptions.LEADER_ONLY, Long.MAX_VALUE, timer)));
        Poll.until("the request's timer fails it while it is queued", WAIT, late::isDone);
        hold.countDown();
        ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(60, TimeUnit.SECONDS));
        assertInstanceOf(RequestTimeoutException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("nothing was proposed"), e.getCause().getMessage());
        // The client was told nothing was proposed: the runtime asked the timer, and dropped the write.
        Poll.until("the raft thread took the late write", WAIT, () -> admission.get() != null);
        assertEquals(MemberRuntime.Admission.DROPPED, admission.get());
        write("put after").get(60, TimeUnit.SECONDS);
        assertEquals(List.of("put after"), machine.applied, "the late write never applied");
    }

    @Test
    void aWriteIsAnsweredOnceAppliedAndIsOnDiskThroughTheGroupCommitLog() throws Exception {
        long before = persisted.get();
        Response answer = write("put a").get(60, TimeUnit.SECONDS);
        assertEquals(List.of("put a"), machine.applied);
        assertTrue(persisted.get() > before, "the write went through the group commit log");
        assertTrue(durableOn.stream().allMatch(t -> t.startsWith("keel-log-sync")),
                "the durable completion runs on the sync thread: " + durableOn);
        // On disk: the entry is in the RocksDB log the group commit log synced.
        long last = storage.lastIndex();
        assertEquals("put a", storage.entries(last, last + 1, Long.MAX_VALUE).get(0).getData().toStringUtf8());
        assertEquals(new PutResponse(last, null), answer, "answered with its own entry's outcome");
    }

    @Test
    void aLinearizableReadRunsOnTheReadPoolAfterTheWritesBeforeIt() throws Exception {
        write("put b").get(60, TimeUnit.SECONDS);
        LoopRuntime.Answer<ReadAnswer<String>> read = new LoopRuntime.Answer<>();
        onRaft(() -> runtime.read(() -> Thread.currentThread().getName() + " " + machine.applied,
                System.nanoTime() + WAIT.toNanos(), read));
        String seen = read.result.get(60, TimeUnit.SECONDS).value();
        assertTrue(seen.endsWith("[put b]"), seen);
        assertTrue(seen.startsWith("pool-"), "ran on the read pool: " + seen);
    }

    @Test
    void aWriteTheLogRefusesStopsTheRuntimeAndIsAnsweredStopped() throws Exception {
        log.close(); // every later write is refused at once: the adapter reports it failed
        ExecutionException e = assertThrows(ExecutionException.class, () -> write("put c").get(60, TimeUnit.SECONDS));
        // The runtime's STOPPED refusal, as the server answers it (RefusalExceptions).
        assertInstanceOf(MemberStoppedException.class, e.getCause());
        assertEquals(Refusal.Kind.STOPPED, assertInstanceOf(Refusal.class, e.getCause().getCause()).kind());
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

    /** A client write as the member makes one: its {@link RequestTimer} is the runtime's completion. */
    private CompletableFuture<Response> write(String data) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        RequestTimer timer = RequestTimer.arm(result, RequestDeadline.after(WAIT), 1);
        onRaft(() -> runtime.propose(ByteString.copyFromUtf8(data), WriteOptions.LEADER_ONLY, Long.MAX_VALUE, timer));
        return result;
    }

    /** Runs {@code task} on the raft stage and waits for it. */
    private void onRaft(Runnable task) {
        onRaft(() -> {
            task.run();
            return null;
        });
    }

    private <T> T onRaft(java.util.function.Supplier<T> task) {
        return LoopRuntime.onRaft(raftThread, task);
    }
}
