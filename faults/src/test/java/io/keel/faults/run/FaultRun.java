package io.keel.faults.run;

import io.keel.faults.cluster.KeelCluster;
import io.keel.faults.nemesis.Fault;
import io.keel.faults.nemesis.Nemesis;
import io.keel.faults.nemesis.Timeline;
import io.keel.faults.net.Network;
import io.keel.faults.workload.ElectionWorkload;
import io.keel.faults.workload.LeaseWorkload;
import io.keel.faults.workload.RegisterWorkload;
import io.keel.faults.workload.Tally;
import io.keel.faults.workload.WatchWorkload;
import io.keel.faults.workload.Workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One run of the suite: a fresh network and cluster, the workloads started, then for each fault of the schedule a
 * quiet spell, the fault, its hold, the heal and a recovery, each fault's operations on keys of its own. Then every
 * checker. A failing run keeps its folder (histories, timeline, every member's log, the verdicts) and prints the
 * command that replays it; a passing one keeps only its summary.
 */
public final class FaultRun {
    /**
     * How a run is shaped: {@code workloads} names those to run besides register (election, lease, watch);
     * {@code replay} is the command line that runs it again with the same seed.
     */
    public record Settings(String label, int members, long seed, Duration quiet, Duration hold, Duration recover,
                           Map<String, String> env, Set<String> workloads, String replay, int registerClientsPerMember) {
        /** Two register clients per member: enough to keep every side of a partition busy. */
        public Settings(String label, int members, long seed, Duration quiet, Duration hold, Duration recover,
                        Map<String, String> env, Set<String> workloads, String replay) {
            this(label, members, seed, quiet, hold, recover, env, workloads, replay, 2);
        }

        /** The same run with {@code n} register clients pinned to each member. */
        public Settings withRegisterClientsPerMember(int n) {
            return new Settings(label, members, seed, quiet, hold, recover, env, workloads, replay, n);
        }
    }

    /** One fault's verdicts and counts, per workload. */
    public record Row(String fault, String workload, Workload.Check check, Tally.Counts counts) {
    }

    /** Everything a run found. */
    public record Report(List<Row> rows, List<String> failures, Path folder, String summary) {
        public boolean passed() {
            return failures.isEmpty();
        }

        /** Whether the register checker found a history that is not linearizable. */
        public boolean registerViolation() {
            return rows.stream().anyMatch(r -> r.workload().equals("register") && !r.check().passed()
                    && r.check().verdict().startsWith("NOT LINEARIZABLE"));
        }
    }

    private FaultRun() {
    }

    public static Path distribution() {
        Path d = Path.of(System.getProperty("keel.faults.distribution", "server/target/keel-0.1.0-SNAPSHOT"));
        if (!Files.isExecutable(d.resolve("bin/keel"))) {
            throw new AssertionError("no keel distribution at " + d + ": build it first (./mvnw -B package"
                    + " -DskipTests, or run the suite through ./mvnw -B verify)");
        }
        return d.toAbsolutePath();
    }

    private static Path runsRoot() {
        return Path.of(System.getProperty("keel.faults.runs", "faults/target/fault-runs")).toAbsolutePath();
    }

    /** Runs {@code schedule} (faults made from the same seeded random the nemesis uses) and reports. */
    public static Report run(Settings s, List<Fault> schedule) throws Exception {
        Random random = new Random(s.seed());
        Timeline timeline = new Timeline();
        List<Row> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Path folder;
        try (Network net = Network.create(s.members() + 2)) {
            folder = runsRoot().resolve(s.label() + "-" + net.runId());
            Files.createDirectories(folder);
            timeline.note("run " + s.label() + ", seed " + s.seed() + ", " + s.members() + " members in namespaces "
                    + net.namespace(1) + ".., " + net.address(1) + ".., clients from " + net.address(Network.CLIENT_SLOT)
                    + (s.env().isEmpty() ? "" : ", members' environment " + s.env()));
            try (KeelCluster cluster = KeelCluster.start(net, distribution(), folder, s.members(), s.env())) {
                timeline.note("cluster up: " + cluster.describe());
                Nemesis nemesis = new Nemesis(cluster, timeline, random);
                RegisterWorkload register = new RegisterWorkload(cluster, s.registerClientsPerMember(), s.seed());
                ElectionWorkload election = s.workloads().contains("election") ? new ElectionWorkload(cluster, 3)
                        : null;
                WatchWorkload watch = s.workloads().contains("watch") ? new WatchWorkload(cluster) : null;
                List<Workload> workloads = new ArrayList<>(List.of(register));
                if (election != null) workloads.add(election);
                if (s.workloads().contains("lease")) workloads.add(new LeaseWorkload(cluster));
                if (watch != null) workloads.add(watch);
                List<long[]> windows = new ArrayList<>();
                List<String> phases = new ArrayList<>();
                try {
                    for (Workload w : workloads) w.start();
                    int i = 0;
                    for (Fault f : schedule) {
                        String phase = String.format("%02d-%s", ++i, f.name());
                        phases.add(phase);
                        for (Workload w : workloads) w.phase(phase);
                        long from = System.nanoTime();
                        Nemesis.hold(s.quiet());
                        timeline.note("fault " + phase);
                        try {
                            f.inject(nemesis);
                            Nemesis.hold(s.hold());
                        } catch (AssertionError | RuntimeException e) {
                            failures.add(phase + ": " + e.getMessage());
                            timeline.note("fault " + phase + " failed: " + e);
                        } finally {
                            f.heal(nemesis);
                        }
                        long healed = System.nanoTime();
                        timeline.note("healed " + phase + "; " + cluster.describe());
                        Nemesis.hold(s.recover());
                        windows.add(new long[] {from, System.nanoTime(), healed});
                    }
                    Nemesis.hold(s.recover());
                    // The last heal's liveness check needs a master's write after it: on a slow machine the
                    // re-election can take longer than the recovery hold, so the workloads run on until one came
                    // (or the bound the check enforces has passed), rather than stopping before it could.
                    if (election != null && !windows.isEmpty()) {
                        long lastHeal = windows.get(windows.size() - 1)[2];
                        election.awaitWriteAfter(lastHeal, ElectionWorkload.REELECTION_BOUND);
                    }
                } finally {
                    for (Workload w : workloads) w.close();
                }
                long end = System.nanoTime();
                timeline.note("workloads stopped; checking");
                for (int p = 0; p < phases.size(); p++) {
                    long[] w = windows.get(p);
                    for (Workload wl : workloads) {
                        Workload.Check c = wl.check(phases.get(p), new Workload.Window(w[0], w[2], w[1], end));
                        rows.add(new Row(phases.get(p), wl.name(), c, wl.counts(w[0], w[1])));
                        if (!c.passed()) failures.add(phases.get(p) + " " + wl.name() + ": " + c.verdict());
                    }
                }
                if (election != null) {
                    Workload.Check fences = wholeRun(election::checkFences);
                    rows.add(new Row("whole run", "election fences", fences, null));
                    if (!fences.passed()) failures.add("election fences: " + fences.verdict());
                    election.writeHistory(folder.resolve("election-history.txt"));
                }
                if (watch != null) {
                    Workload.Check watchers = wholeRun(watch::checkWatchers);
                    rows.add(new Row("whole run", "watchers", watchers, null));
                    if (!watchers.passed()) failures.add("watchers: " + watchers.verdict());
                }
                for (Workload wl : workloads) {
                    if (wl != election) wl.writeHistory(folder.resolve(wl.name() + "-history.txt"));
                }
            }
        }
        String summary = summarize(s, rows, failures);
        timeline.write(folder.resolve("timeline.txt"));
        Files.writeString(folder.resolve("summary.txt"), summary);
        System.out.println(summary);
        if (failures.isEmpty() && !Boolean.getBoolean("keel.faults.keep")) {
            // -Dkeel.faults.keep=true keeps a passing run's member logs and histories too (to study one).
            deleteAllBut(folder, Path.of("summary.txt"), Path.of("timeline.txt"));
        } else {
            System.out.println("keel-faults: this run's histories, timeline and member logs are in " + folder);
            System.out.println("keel-faults: replay it with: " + s.replay());
        }
        return new Report(rows, failures, folder, summary);
    }

    private interface WholeRunCheck {
        Workload.Check run() throws Exception;
    }

    /** A whole-run check that could not even read the store fails the run, with its folder kept. */
    private static Workload.Check wholeRun(WholeRunCheck check) {
        try {
            return check.run();
        } catch (Exception e) {
            return Workload.Check.fail("the check could not read the store's history: " + e);
        }
    }

    private static String summarize(Settings s, List<Row> rows, List<String> failures) {
        StringBuilder b = new StringBuilder("\nkeel-faults: " + s.label() + ", seed " + s.seed() + ", " + s.members()
                + " members: " + (failures.isEmpty() ? "PASSED" : "FAILED (" + failures.size() + ")") + "\n");
        b.append(String.format("%-26s %-17s %-8s %-44s %s%n", "fault", "workload", "verdict", "operations",
                "detail"));
        for (Row r : rows) {
            b.append(String.format("%-26s %-17s %-8s %-44s %s%n", r.fault(), r.workload(),
                    r.check().passed() ? "ok" : "FAIL", r.counts() == null ? "" : r.counts(),
                    firstLine(r.check().verdict())));
        }
        for (String f : failures) b.append("FAILURE: ").append(f).append('\n');
        if (!failures.isEmpty()) b.append("replay: ").append(s.replay()).append('\n');
        return b.toString();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }

    private static void deleteAllBut(Path folder, Path... keep) throws IOException {
        List<Path> kept = Stream.of(keep).map(folder::resolve).toList();
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (p.equals(folder) || kept.contains(p)) continue;
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    // A still-mounted directory or a busy file: harmless, target/ is scratch.
                }
            }
        }
    }

}
