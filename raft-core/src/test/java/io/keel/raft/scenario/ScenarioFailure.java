package io.keel.raft.scenario;

import java.util.List;

/**
 * A scenario line failed. The message names the script and line, says what was expected and what was found,
 * and shows the trace so far (commands, delivered and lost messages, role changes, persists, reads) and the
 * cluster's state, so the failure can be understood without re-running anything.
 */
public final class ScenarioFailure extends AssertionError {
    /** How many trace lines to show; the start of a long trace is rarely the interesting part. */
    static final int TRACE_LINES = 150;

    private final int line;

    ScenarioFailure(String script, int line, String text, Throwable cause, ScenarioCluster cluster) {
        super(render(script, line, text, cause, cluster), cause);
        this.line = line;
    }

    public int line() {
        return line;
    }

    private static String render(String script, int line, String text, Throwable cause, ScenarioCluster cluster) {
        StringBuilder sb = new StringBuilder();
        sb.append(script).append(':').append(line).append(": ").append(text).append('\n');
        String kind = cause instanceof ScenarioScript.ExpectationFailed ? ""
                : cause instanceof ScenarioCluster.InvariantViolation ? "SAFETY INVARIANT BROKEN: "
                : cause instanceof AssertionError ? "" : cause.getClass().getSimpleName() + ": ";
        sb.append("  ").append(kind).append(cause.getMessage()).append('\n');
        if (cluster != null) {
            List<String> trace = cluster.trace();
            sb.append("--- trace");
            int from = Math.max(0, trace.size() - TRACE_LINES);
            if (from > 0) sb.append(" (last ").append(TRACE_LINES).append(" of ").append(trace.size()).append(" lines)");
            sb.append(" ---\n");
            for (int i = from; i < trace.size(); i++) sb.append(trace.get(i)).append('\n');
            sb.append("--- cluster at ").append(script).append(':').append(line).append(" ---\n");
            sb.append(cluster.status()).append('\n');
        }
        return sb.toString();
    }
}
