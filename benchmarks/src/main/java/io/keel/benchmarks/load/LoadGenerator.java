package io.keel.benchmarks.load;

import io.grpc.ManagedChannel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A load generator for etcd's v3 gRPC API (the KV service), so the same load measures Keel and etcd. See
 * docs/benchmarks.md for how to run it. Prints throughput, latency percentiles, errors by gRPC status and, with
 * {@code --server-pids}, the servers' CPU per operation; the last line is a one-line summary for scripts.
 */
@Command(name = "keel-load", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Drives an etcd v3 API cluster (Keel or etcd) with puts or gets and measures it.",
                "Each client has one request in flight; clients share --conns gRPC connections."})
public final class LoadGenerator implements Callable<Integer> {
    /** Requests sent on each connection before the measured load, to open connections and warm up both sides. */
    private static final int WARM_UP_PER_CONNECTION = 5;

    @Spec
    private CommandSpec spec;

    @Option(names = "--endpoints", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "Client endpoints (http:// allowed). Without --leader-only, connection i goes to endpoint "
                    + "i mod n (round robin).")
    private List<String> endpoints;

    @Option(names = "--leader-only", description = "Send every request to the leader, found by asking each "
            + "endpoint's Maintenance.Status; needed for puts on a Keel cluster while followers refuse writes.")
    private boolean leaderOnly;

    @Option(names = "--conns", defaultValue = "1", description = "gRPC connections (default ${DEFAULT-VALUE}).")
    private int conns;

    @Option(names = "--clients", defaultValue = "1",
            description = "Concurrent clients, one request in flight each (default ${DEFAULT-VALUE}).")
    private int clients;

    @Option(names = "--op", defaultValue = "put", description = "put or get (default ${DEFAULT-VALUE}).")
    private String op;

    @Option(names = "--consistency", defaultValue = "l",
            description = "get: l = linearizable, s = serializable (default ${DEFAULT-VALUE}).")
    private String consistency;

    @Option(names = "--key-size", defaultValue = "8", description = "Key bytes (default ${DEFAULT-VALUE}).")
    private int keySize;

    @Option(names = "--val-size", defaultValue = "256", description = "Value bytes (default ${DEFAULT-VALUE}).")
    private int valSize;

    @Option(names = "--key-space", defaultValue = "10000", description = "Distinct keys; request n uses key "
            + "n mod key-space. get first puts every key once (default ${DEFAULT-VALUE}).")
    private long keySpace;

    @Option(names = "--total", description = "Requests to send, all clients together.")
    private Long total;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "How long to send (e.g. 10s, 500ms, 2m). With --total, whichever ends first.")
    private Duration duration;

    @Option(names = "--request-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "Deadline of each request (default ${DEFAULT-VALUE}).")
    private Duration requestTimeout;

    @Option(names = "--server-pids", split = ",", paramLabel = "PID",
            description = "Server processes whose CPU time (utime + stime) is charged to the operations.")
    private List<Long> serverPids = new ArrayList<>();

    @Option(names = "--label", defaultValue = "", description = "A name printed with the results.")
    private String label;

    private LoadResult result;

    public static void main(String[] args) {
        // gRPC logs through java.util.logging; its INFO lines would mix with the results.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        for (var h : java.util.logging.Logger.getLogger("").getHandlers()) h.setLevel(java.util.logging.Level.WARNING);
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    /** The last load's result (for tests), or null. */
    LoadResult result() {
        return result;
    }

    @Override
    public Integer call() throws InterruptedException {
        Workload workload;
        List<InetSocketAddress> all;
        ProcessCpu cpu;
        try {
            if (conns < 1) throw new IllegalArgumentException("--conns must be at least 1");
            if (clients < 1) throw new IllegalArgumentException("--clients must be at least 1");
            if (total == null && duration == null) {
                throw new IllegalArgumentException("bound the load with --total, --duration or both");
            }
            if (total != null && total < 1) throw new IllegalArgumentException("--total must be at least 1");
            if (duration != null && (duration.isZero() || duration.isNegative())) {
                throw new IllegalArgumentException("--duration must be positive");
            }
            workload = switch (op) {
                case "put" -> Workload.put(keySize, keySpace, valSize);
                case "get" -> switch (consistency) {
                    case "l" -> Workload.get(keySize, keySpace, false);
                    case "s" -> Workload.get(keySize, keySpace, true);
                    default -> throw new IllegalArgumentException("--consistency must be l or s, not " + consistency);
                };
                default -> throw new IllegalArgumentException("--op must be put or get, not " + op);
            };
            all = Endpoints.parse(String.join(",", endpoints));
            cpu = new ProcessCpu(serverPids);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();

        List<InetSocketAddress> targets = leaderOnly ? List.of(Endpoints.leader(all)) : all;
        if (leaderOnly) out.println("leader: " + address(targets.get(0)));
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < conns; i++) channels.add(Endpoints.channel(targets.get(i % targets.size())));
            if (workload instanceof Workload.Get) seed(all, out);
            // Warm-up: one client per connection, a few requests each, not measured; errors show in the load.
            new LoadRun(channels, workload, conns, (long) WARM_UP_PER_CONNECTION * conns, null, requestTimeout).run();

            LoadRun load = new LoadRun(channels, workload, clients, total == null ? Long.MAX_VALUE : total, duration,
                    requestTimeout);
            long cpuBefore = cpu.isEmpty() ? 0 : cpu.nanos();
            LoadResult r = load.run();
            long cpuUsed = cpu.isEmpty() ? -1 : cpu.nanos() - cpuBefore;
            result = new LoadResult(label, r.op(), r.conns(), r.clients(), r.ok(), r.errors(), r.firstErrorText(),
                    r.elapsedNanos(), r.latencies(), cpu.processes(), cpuUsed);
            out.print(result.report());
            out.println(result.summaryLine());
            out.flush();
            return result.ok() > 0 ? 0 : 1;
        } finally {
            for (ManagedChannel ch : channels) ch.shutdownNow();
            for (ManagedChannel ch : channels) ch.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Gets read keys that exist: every key of the key space is put once first, at the leader. */
    private void seed(List<InetSocketAddress> all, PrintWriter out) throws InterruptedException {
        InetSocketAddress leader = all.size() == 1 ? all.get(0) : Endpoints.leader(all);
        out.printf(Locale.ROOT, "seeding %,d keys of %d B values at %s%n", keySpace, valSize, address(leader));
        out.flush();
        List<ManagedChannel> seedChannels = List.of(Endpoints.channel(leader));
        try {
            LoadResult r = new LoadRun(seedChannels, Workload.put(keySize, keySpace, valSize), 64, keySpace, null,
                    requestTimeout).run();
            if (r.errorCount() > 0) throw new IllegalStateException("seeding failed: " + r.report());
        } finally {
            seedChannels.get(0).shutdownNow();
        }
    }

    private static String address(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    /** 10s, 500ms, 2m, 1h, or a plain number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("([0-9]+)(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.trim());
            if (!m.matches()) throw new CommandLine.TypeConversionException("not a duration (e.g. 10s, 500ms): " + value);
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        }
    }
}
