package io.keel.server.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * When each step of the launcher's start was reached, in milliseconds since its process started (issue 14: a
 * restarted member should serve within a couple of seconds of its process start). The launcher prints it as one line
 * once it serves, so an operator, a script and the rolling-restart benchmark see where a slow start went without a
 * profiler.
 *
 * <p>The origin is the process's start as the operating system records it (10 ms resolution on Linux), so the JVM's
 * own start is inside the first step; when the process start is not available the first mark is the origin.
 */
final class StartupTimeline {
    /** The launcher's own timeline, started by {@link KeelMain#main}; null when the launcher runs in-process. */
    private static volatile StartupTimeline launcher;

    private final long originMillis;
    private final boolean fromProcessStart;
    private final List<String> marks = new ArrayList<>();

    private StartupTimeline(long originMillis, boolean fromProcessStart) {
        this.originMillis = originMillis;
        this.fromProcessStart = fromProcessStart;
    }

    /** Starts the launcher's timeline; its first mark, {@code step}, is the time the JVM took to get here. */
    static void startLauncher(String step) {
        StartupTimeline t = sinceProcessStart();
        t.mark(step);
        launcher = t;
    }

    /** Marks a step of the launcher's start; does nothing when no launcher timeline was started. */
    static void markLauncher(String step) {
        StartupTimeline t = launcher;
        if (t != null) t.mark(step);
    }

    /** The launcher's timeline so far, as one line, or null when none was started. */
    static String launcherSummary() {
        StartupTimeline t = launcher;
        return t == null ? null : t.summary();
    }

    static StartupTimeline sinceProcessStart() {
        return ProcessHandle.current().info().startInstant()
                .map(start -> new StartupTimeline(start.toEpochMilli(), true))
                .orElseGet(() -> new StartupTimeline(System.currentTimeMillis(), false));
    }

    /** Records that {@code step} was reached now. */
    synchronized void mark(String step) {
        long cpu = ProcessCpu.millis();
        marks.add(step + " " + Math.max(0, System.currentTimeMillis() - originMillis)
                + (cpu < 0 ? "" : " (CPU " + cpu + ")"));
    }

    /**
     * E.g. "JVM started 410 (CPU 380), flags read 620 (CPU 610), ... (ms since the process started; CPU: ms of CPU
     * the process had used)". Wall time well above CPU time means the machine was busy, not the start slow.
     */
    synchronized String summary() {
        return String.join(", ", marks) + (fromProcessStart ? " (ms since the process started" : " (ms since the"
                + " first step") + "; CPU: ms of CPU the process had used by then)";
    }
}
