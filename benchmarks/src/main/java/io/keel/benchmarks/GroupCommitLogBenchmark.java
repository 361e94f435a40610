package io.keel.benchmarks;

import com.google.protobuf.ByteString;
import io.keel.storage.log.GroupCommitLog;
import io.keel.storage.log.LogWrite;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.log.SyncBatchStats;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Issue #6, item 2b: {@link GroupCommitLog} under 1, 4 and 16 concurrent appenders. Each appender hands in one
 * 256-byte entry and waits until it is durable. Indexes are taken and writes queued under one lock, so the log
 * sees them consecutively, as the Raft thread would hand them in; waiting happens outside it. The score is
 * durable writes (= entries) per second across all appenders; the secondary {@code syncs} is syncs per second, from
 * the log's {@link SyncBatchStats}; entries per sync = score / syncs (also printed per iteration, with the sync
 * thread's voluntary context switches per sync: what a hand-off to it and an fsync cost in switches).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GroupCommitLogBenchmark {

    @State(Scope.Benchmark)
    public static class Log {
        Path dir;
        RocksLogStorage storage;
        GroupCommitLog group;
        ByteString payload;
        long next; // guarded by this
        SyncBatchStats.Snapshot atIterationStart;
        long syncThreadSwitchesAtIterationStart;

        @Setup(Level.Trial)
        public void setup() {
            dir = TempDirs.create("keel-bench-gcl");
            storage = RocksLogStorage.bootstrap(dir, 1, 1, 1);
            group = new GroupCommitLog(storage);
            payload = Entries.payload(Entries.PAYLOAD_BYTES);
            next = storage.lastIndex() + 1;
        }

        @Setup(Level.Iteration)
        public void iterationStart() {
            atIterationStart = group.stats();
            syncThreadSwitchesAtIterationStart = syncThreadSwitches();
        }

        /**
         * The sync thread's voluntary context switches so far (Linux, /proc; -1 elsewhere): per sync, one is its
         * wake-up by an appender and the rest are the fsync's own waits in the kernel.
         */
        long syncThreadSwitches() {
            String name = "keel-log-sync " + storage.directory().getFileName(); // GroupCommitLog's thread
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path task : tasks) {
                    try {
                        // The kernel keeps the first 15 bytes of a thread's name.
                        if (!name.startsWith(Files.readString(task.resolve("comm")).strip())) continue;
                        for (String line : Files.readAllLines(task.resolve("status"))) {
                            if (line.startsWith("voluntary_ctxt_switches:")) {
                                return Long.parseLong(line.substring(24).strip());
                            }
                        }
                    } catch (IOException e) {
                        // another thread (a benchmark worker) ended while listed: not the sync thread
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return -1;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (group != null) group.close();
            if (storage != null) storage.close();
            TempDirs.delete(dir);
        }

        CompletableFuture<Void> append() {
            synchronized (this) {
                CompletableFuture<Void> f = group.persist(LogWrite.entries(Entries.batch(next, 1, 1, payload)));
                next++;
                return f;
            }
        }
    }

    /** Syncs per second, counted once (by the first thread) from the log's own statistics. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Syncs {
        public long syncs;

        @Setup(Level.Iteration)
        public void clear() {
            syncs = 0;
        }

        @TearDown(Level.Iteration)
        public void count(Log log, ThreadParams threads) {
            if (threads.getThreadIndex() != 0) return;
            SyncBatchStats.Snapshot now = log.group.stats();
            long s = now.syncs() - log.atIterationStart.syncs();
            long w = now.writes() - log.atIterationStart.writes();
            syncs = s;
            long switches = log.syncThreadSwitches();
            String perSync = switches < 0 || log.syncThreadSwitchesAtIterationStart < 0 || s == 0 ? "?"
                    : String.format("%.2f", (double) (switches - log.syncThreadSwitchesAtIterationStart) / s);
            System.out.printf("  [%d appenders: %d writes in %d syncs, %.2f writes/sync, %s voluntary switches of the"
                    + " sync thread per sync]%n", threads.getThreadCount(), w, s, s == 0 ? 0.0 : (double) w / s, perSync);
        }
    }

    private static void appendAndWait(Log log) {
        log.append().join();
    }

    @Benchmark
    @Threads(1)
    public void appenders01(Log log, Syncs syncs) {
        appendAndWait(log);
    }

    @Benchmark
    @Threads(4)
    public void appenders04(Log log, Syncs syncs) {
        appendAndWait(log);
    }

    @Benchmark
    @Threads(16)
    public void appenders16(Log log, Syncs syncs) {
        appendAndWait(log);
    }

}
