package io.keel.benchmarks.load;

import io.grpc.Status;
import org.HdrHistogram.Histogram;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one load measured. Latencies are in the histogram in nanoseconds, of successful requests only.
 *
 * @param serverCpuNanos the server processes' CPU time during the load, or -1 when no pids were given
 */
record LoadResult(String label, String op, int conns, int clients, long ok, Map<Status.Code, Long> errors,
                  Map<Status.Code, String> firstErrorText, long elapsedNanos, Histogram latencies,
                  int serverProcesses, long serverCpuNanos) {

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    double seconds() {
        return elapsedNanos / 1e9;
    }

    double throughput() {
        return elapsedNanos == 0 ? 0 : ok / seconds();
    }

    double percentileMillis(double p) {
        return latencies.getTotalCount() == 0 ? 0 : latencies.getValueAtPercentile(p) / 1e6;
    }

    double maxMillis() {
        return latencies.getTotalCount() == 0 ? 0 : latencies.getMaxValue() / 1e6;
    }

    /** Server CPU per successful operation in microseconds, or -1 when unknown. */
    double cpuMicrosPerOp() {
        return serverCpuNanos < 0 || ok == 0 ? -1 : serverCpuNanos / 1e3 / ok;
    }

    String report() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s%s: %d conns, %d clients%n", label.isEmpty() ? "" : label + ": ", op,
                conns, clients));
        b.append(String.format(Locale.ROOT, "  %,d ok, %,d errors in %.2f s: %,.0f ops/s%n", ok, errorCount(),
                seconds(), throughput()));
        b.append(String.format(Locale.ROOT,
                "  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f (mean %.3f)%n",
                percentileMillis(50), percentileMillis(90), percentileMillis(99), percentileMillis(99.9), maxMillis(),
                latencies.getTotalCount() == 0 ? 0 : latencies.getMean() / 1e6));
        errors.forEach((code, n) -> b.append(String.format(Locale.ROOT, "  error %s: %,d (first: %s)%n", code, n,
                firstErrorText.getOrDefault(code, ""))));
        if (serverCpuNanos >= 0) {
            b.append(String.format(Locale.ROOT, "  server CPU (%d processes): %.2f s, %.1f us per op%n",
                    serverProcesses, serverCpuNanos / 1e9, cpuMicrosPerOp()));
        }
        return b.toString();
    }

    /** One line, {@code key=value} pairs separated by spaces, for scripts; -1 where a figure is unknown. */
    String summaryLine() {
        String errs = errors.isEmpty() ? "none" : errors.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(","));
        return String.format(Locale.ROOT,
                "SUMMARY label=%s op=%s conns=%d clients=%d ok=%d errors=%d error_codes=%s seconds=%.3f "
                        + "ops_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f "
                        + "cpu_us_per_op=%.1f",
                label.isEmpty() ? "-" : label.replace(' ', '_'), op.replace(' ', '_'), conns, clients, ok,
                errorCount(), errs, seconds(), throughput(), percentileMillis(50), percentileMillis(90),
                percentileMillis(99), percentileMillis(99.9), maxMillis(), cpuMicrosPerOp());
    }
}
