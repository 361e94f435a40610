package io.keel.benchmarks;

import io.keel.server.Keel;
import io.keel.storage.mvcc.api.PutRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue #6, item 4: the whole commit path in one JVM. Three Keel members ({@link InProcessCluster}: RocksDB in a
 * temporary directory, Netty on 127.0.0.1, Keel's default timings); each operation is a put of a 256-byte value
 * handed to the leader's {@code Keel.writeAsync}: proposed, replicated, persisted (fsync) by a majority, committed
 * and applied to the leader's store before its future completes. No gRPC: this is the member's own cost.
 *
 * <ul>
 *   <li>{@code pipelined} (throughput): {@code outstanding} writes in flight at all times (a semaphore of that many
 *       permits; each completion frees one): committed and applied writes per second.</li>
 *   <li>{@code latency} (sample time): one thread writing and waiting for each write, one at a time; run it with
 *       {@code -t N} for N threads, i.e. N writes outstanding.</li>
 * </ul>
 * Writes that fail (a leadership change under load) are counted, printed after the iteration and not retried; a
 * run whose iterations print failures is not a clean measurement.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CommitPathBenchmark {
    private static final int KEY_SPACE = 10_000;

    /** Held so the level set below stays (java.util.logging keeps loggers weakly). */
    private static final java.util.logging.Logger KEEL_LOG = java.util.logging.Logger.getLogger("io.keel");

    private InProcessCluster cluster;
    private volatile Keel leader;
    private byte[] value;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    @Setup(Level.Trial)
    public void start() {
        // The members' transport logs connections through java.util.logging; those lines would split JMH's.
        KEEL_LOG.setLevel(java.util.logging.Level.WARNING);
        cluster = InProcessCluster.start(3);
        leader = cluster.awaitLeader();
        value = Entries.payload(Entries.PAYLOAD_BYTES).toByteArray();
    }

    /** The writes in flight of {@code pipelined}: a semaphore of {@code outstanding} permits. */
    @State(Scope.Benchmark)
    public static class Window {
        @Param({"1", "16", "256"})
        public int outstanding;

        Semaphore permits;

        @Setup(Level.Trial)
        public void open() {
            permits = new Semaphore(outstanding);
        }

        @TearDown(Level.Iteration)
        public void drain() throws InterruptedException {
            // Every write of this iteration ends (in or out of it) before the next iteration starts.
            if (!permits.tryAcquire(outstanding, 60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("writes still outstanding 60 s after the iteration ended");
            }
            permits.release(outstanding);
        }
    }

    @TearDown(Level.Iteration)
    public void checkFailures() {
        long f = failed.getAndSet(0);
        if (f > 0) {
            System.err.println("CommitPathBenchmark: " + f + " writes failed in this iteration; finding the leader");
            leader = cluster.awaitLeader();
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        cluster.close();
    }

    private PutRequest nextPut() {
        long n = next.getAndIncrement() % KEY_SPACE;
        return PutRequest.of(("key-" + n).getBytes(java.nio.charset.StandardCharsets.US_ASCII), value);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void pipelined(Window window) throws InterruptedException {
        window.permits.acquire();
        leader.writeAsync(nextPut()).whenComplete((r, t) -> {
            if (t != null) failed.incrementAndGet();
            window.permits.release();
        });
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(1)
    public Object latency() throws Exception {
        return leader.writeAsync(nextPut()).get(30, TimeUnit.SECONDS);
    }
}
