package io.keel.benchmarks;

import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.TxnRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A member's apply thread under a put load, as compare-etcd.sh's put loads make it: {@link MvccStore#applyAll} of
 * batches of {@value #BATCH} puts of 256-byte values to keys drawn at random from 10,000 (the load generator's key
 * space), unsynced (a member's store is synced only before the Raft log is compacted). Time per put, on one
 * thread, so it is also the apply thread's CPU per put. Parameters: the cache of current records
 * ({@code currentCacheBytes}, 0 = off) and RocksDB's memtable size per column family ({@code writeBufferBytes}),
 * the two things a profile of the apply thread points at: the live-version lookup and the memtable inserts.
 *
 * <p>Three shapes (issue 12, section 3), each a batch of {@value #BATCH} operations on the same key space, every key
 * written once before measuring: {@code putBatch}, plain puts; {@code casBatch}, etcd's compare-and-swap (a
 * transaction whose compare on the key's value holds, then a put of it); {@code leasePutBatch}, puts attached to one
 * lease (the lease must be checked on every put). Run with {@code -prof gc} for the allocation per operation.
 *
 * <p>On a loaded machine the time per operation is mostly waiting for a core, so each benchmark also counts the
 * applying thread's CPU time ({@link CpuCounters}): {@code threadCpuNanos / ops} is the apply thread's CPU per
 * operation (RocksDB's memtable inserts run on it; its background flushes and compactions do not), comparable
 * between runs under different load.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class ApplyBatchBenchmark {
    static final int BATCH = 100;
    private static final int KEYS = 10_000;

    @Param({"0", "16777216"})
    public long currentCacheBytes;

    @Param({"67108864"})
    public long writeBufferBytes;

    private Path dir;
    private MvccStore store;
    private byte[][] keys;
    private byte[] value;
    private long raftIndex;
    private long lease;
    private final SplittableRandom random = new SplittableRandom(42);

    @Setup(Level.Trial)
    public void setup() {
        dir = TempDirs.create("keel-bench-apply");
        store = MvccStore.open(dir, MvccOptions.defaults().withSyncEveryApply(false)
                .withCurrentCacheBytes(currentCacheBytes).withWriteBufferBytes(writeBufferBytes));
        keys = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++) keys[i] = String.format("%08d", i).getBytes(StandardCharsets.UTF_8);
        value = new byte[Entries.PAYLOAD_BYTES];
        random.nextBytes(value);
        raftIndex = store.appliedIndex() + 1;
        // Every key live, so each compare finds its key and each put replaces a version (the steady state of a load).
        for (int start = 0; start < KEYS; start += BATCH) {
            List<Operation> ops = new ArrayList<>(BATCH);
            for (int i = start; i < Math.min(KEYS, start + BATCH); i++) ops.add(PutRequest.of(keys[i], value));
            apply(ops);
        }
        lease = 7;
        apply(List.of(new LeaseGrantRequest(lease, 3600)));
    }

    private Object apply(List<Operation> ops) {
        Object r = store.applyAll(raftIndex, ops);
        raftIndex += ops.size();
        return r;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (store != null) store.close();
        TempDirs.delete(dir);
    }

    /** The applying thread's CPU time and the operations it applied, summed over each iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuCounters {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        public long threadCpuNanos;
        public long ops;

        @Setup(Level.Iteration)
        public void reset() {
            threadCpuNanos = 0;
            ops = 0;
        }

        long start() {
            return THREADS.getCurrentThreadCpuTime();
        }

        void stop(long started) {
            threadCpuNanos += THREADS.getCurrentThreadCpuTime() - started;
            ops += BATCH;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object putBatch(CpuCounters cpu) {
        long started = cpu.start();
        List<Operation> ops = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) ops.add(PutRequest.of(keys[random.nextInt(KEYS)], value));
        Object r = apply(ops);
        cpu.stop(started);
        return r;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object casBatch(CpuCounters cpu) {
        long started = cpu.start();
        List<Operation> ops = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            byte[] key = keys[random.nextInt(KEYS)];
            ops.add(new TxnRequest(List.of(Compare.value(key, Compare.Result.EQUAL, value)),
                    List.of(PutRequest.of(key, value)), List.of()));
        }
        Object r = apply(ops);
        cpu.stop(started);
        return r;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object leasePutBatch(CpuCounters cpu) {
        long started = cpu.start();
        List<Operation> ops = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) ops.add(PutRequest.of(keys[random.nextInt(KEYS)], value).withLease(lease));
        Object r = apply(ops);
        cpu.stop(started);
        return r;
    }
}
