package io.keel.raft.sim;

import io.keel.raft.sim.linearizability.Verdict;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/** Runs a range of seeds on a few threads and summarises them. Also a main for soak runs. */
public final class SeedRunner {

    public record Summary(long seeds, List<Simulation.Result> failures, long unknownVerdicts, long operations,
                          long events, long virtualNanos, long wallMillis, Map<FaultProfile, Long> perProfile,
                          Map<String, Long> stats) {
        @Override
        public String toString() {
            return String.format("%d seeds in %.1f s: %d failed, %d undecided histories, %d client operations, "
                            + "%d events, %.0f s of virtual time;%n  per fault mix %s;%n  totals %s",
                    seeds, wallMillis / 1000.0, failures.size(), unknownVerdicts, operations, events,
                    virtualNanos / 1e9, perProfile, stats);
        }
    }

    public static Summary run(long first, int count, int threads) throws Exception {
        return run(first, count, threads, false);
    }

    /** With {@code stopAtFirstFailure}, seeds after the first failing one are skipped (for hunting bugs). */
    public static Summary run(long first, int count, int threads, boolean stopAtFirstFailure) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        long start = System.currentTimeMillis();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        List<Future<Simulation.Result>> futures = new ArrayList<>();
        for (long s = first; s < first + count; s++) {
            long seed = s;
            futures.add(pool.submit(() -> {
                if (stopAtFirstFailure && failed.get()) return null;
                Simulation.Result r = Simulation.run(seed);
                if (!r.passed()) failed.set(true);
                return r;
            }));
        }
        List<Simulation.Result> failures = new ArrayList<>();
        long unknown = 0;
        long ops = 0;
        long events = 0;
        long virtual = 0;
        Map<FaultProfile, Long> perProfile = new EnumMap<>(FaultProfile.class);
        Map<String, Long> stats = new java.util.TreeMap<>();
        for (Future<Simulation.Result> f : futures) {
            Simulation.Result r = f.get();
            if (r == null) continue;
            if (!r.passed()) failures.add(r);
            if (r.verdict() instanceof Verdict.Unknown) unknown++;
            ops += r.operations();
            events += r.events();
            virtual += r.virtualNanos();
            perProfile.merge(r.options().profile(), 1L, Long::sum);
            r.stats().forEach((k, v) -> stats.merge(k, v, Long::sum));
        }
        pool.shutdown();
        return new Summary(count, failures, unknown, ops, events, virtual, System.currentTimeMillis() - start, perProfile, stats);
    }

    /** Soak: {@code SeedRunner <first> <count> [threads]}; prints every failing seed with its replay command. */
    public static void main(String[] args) throws Exception {
        long first = Long.parseLong(args[0]);
        int count = Integer.parseInt(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        boolean stop = Boolean.getBoolean("keel.sim.stopAtFirstFailure");
        Summary summary = run(first, count, threads, stop);
        for (Simulation.Result r : summary.failures()) {
            System.out.println(r.report().lines().limit(3).reduce("", (a, b) -> a + b + "\n"));
        }
        System.out.println(summary);
        System.exit(summary.failures().isEmpty() ? 0 : 1);
    }
}
