package io.keel.benchmarks;

import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Issue #6, item 2c: {@link MvccStore}. {@code put}: one {@link MvccStore#apply} of a 256-byte put (one synced
 * write, one Raft index), cycling over 1,000 keys. {@code rangeKey} / {@code rangePrefix100}: a range at the current
 * revision of one key, and of a prefix holding 100 keys (256-byte values), on a warm store. Average time per
 * operation; single-threaded, so the reads' time is also their CPU.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MvccStoreBenchmark {
    private static final int PUT_KEYS = 1000;

    private Path dir;
    private MvccStore store;
    private byte[] value;
    private byte[][] putKeys;
    private long raftIndex;
    private int nextKey;
    private RangeRequest single;
    private RangeRequest prefix;

    @Setup(Level.Trial)
    public void setup() {
        dir = TempDirs.create("keel-bench-mvcc");
        store = MvccStore.open(dir);
        value = new byte[Entries.PAYLOAD_BYTES];
        ThreadLocalRandom.current().nextBytes(value);
        putKeys = new byte[PUT_KEYS][];
        for (int i = 0; i < PUT_KEYS; i++) putKeys[i] = bytes(String.format("put/%06d", i));
        List<Operation> ops = new ArrayList<>();
        for (int i = 0; i < 100; i++) ops.add(PutRequest.of(bytes(String.format("range/%03d", i)), value));
        ops.add(PutRequest.of(bytes("single"), value));
        raftIndex = store.appliedIndex() + 1;
        store.applyAll(raftIndex, ops);
        raftIndex += ops.size();
        single = RangeRequest.key(bytes("single"));
        prefix = RangeRequest.of(KeyRange.prefix(bytes("range/")));
        RangeResponse check = store.range(prefix);
        if (check.kvs().size() != 100) throw new IllegalStateException("prefix range found " + check.kvs().size());
        if (store.range(single).kvs().size() != 1) throw new IllegalStateException("single key not found");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (store != null) store.close();
        TempDirs.delete(dir);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public Response put() {
        byte[] key = putKeys[nextKey];
        nextKey = (nextKey + 1) % PUT_KEYS;
        return store.apply(raftIndex++, PutRequest.of(key, value));
    }

    @Benchmark
    public RangeResponse rangeKey() {
        return store.range(single);
    }

    @Benchmark
    public RangeResponse rangePrefix100() {
        return store.range(prefix);
    }
}
