package io.keel.benchmarks;

import com.google.protobuf.ByteString;
import io.keel.storage.log.LogWrite;
import io.keel.storage.log.RocksLogStorage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Issue #6, item 2a: {@link RocksLogStorage#persist(LogWrite)} of a batch of 1, 16 or 256 entries of 256 B: one
 * RocksDB WriteBatch and one sync per invocation, on a real RocksDB in a temporary directory (deleted at teardown;
 * {@code -Dkeel.bench.dir=...} puts it on another disk). Scores are entries per second
 * ({@link OperationsPerInvocation} = batch); divide by the batch for syncs per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RocksLogStorageBenchmark {
    private Path dir;
    private RocksLogStorage log;
    private ByteString payload;
    private long next;

    @Setup(Level.Trial)
    public void setup() {
        dir = TempDirs.create("keel-bench-log");
        log = RocksLogStorage.bootstrap(dir, 1, 1, 1);
        payload = Entries.payload(Entries.PAYLOAD_BYTES);
        next = log.lastIndex() + 1;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (log != null) log.close();
        TempDirs.delete(dir);
    }

    private long append(int count) {
        log.persist(LogWrite.entries(Entries.batch(next, count, 1, payload)));
        next += count;
        return next;
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public long appendSync001() {
        return append(1);
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public long appendSync016() {
        return append(16);
    }

    @Benchmark
    @OperationsPerInvocation(256)
    public long appendSync256() {
        return append(256);
    }
}
