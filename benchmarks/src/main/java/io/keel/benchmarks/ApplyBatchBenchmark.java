package io.keel.benchmarks;

import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.Operation;
import io.keel.storage.mvcc.PutRequest;
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
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (store != null) store.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object putBatch() {
        List<Operation> ops = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) ops.add(PutRequest.of(keys[random.nextInt(KEYS)], value));
        Object r = store.applyAll(raftIndex, ops);
        raftIndex += BATCH;
        return r;
    }
}
