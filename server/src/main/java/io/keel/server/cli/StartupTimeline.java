package io.keel.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * When each step of the launcher's start was reached, in milliseconds since its process started (issue 14: a
 * restarted member should serve within a couple of seconds of its process start). The launcher prints it as one line
 * once it serves, so an operator, a script and the rolling-restart benchmark see where a slow start went without a
 * profiler.
 *
 * <p>The origin is the process's start as Linux records it (in clock ticks since boot, 10 ms), set against the time
 * since boot ({@code /proc/uptime}, 10 ms), so the JVM's own start is inside the first step. Not
 * {@code ProcessHandle}'s start instant: it adds the boot time, which Linux gives to the second, and every mark was
 * off by up to a second. Where {@code /proc} cannot be read, the first mark is the origin.
 */
final class StartupTimeline {
    /** The launcher's own timeline, started by {@link KeelMain#main}; null when the launcher runs in-process. */
    private static volatile StartupTimeline launcher;
    /** Linux's clock ticks per second as /proc reports them: USER_HZ, 100 on every architecture the JDK runs on. */
    private static final long USER_HZ = 100;

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
        long now = System.currentTimeMillis();
        OptionalLong age = processAgeMillis();
        return age.isPresent() ? new StartupTimeline(now - age.getAsLong(), true) : new StartupTimeline(now, false);
    }

    /** How long ago this process started, from {@code /proc}: empty where that cannot be read. */
    static OptionalLong processAgeMillis() {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime"));
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name, which is in parentheses and may hold spaces; starttime is field 22.
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long startTicks = Long.parseLong(after[22 - 3]);
            double sinceBoot = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
            return OptionalLong.of(Math.max(0, Math.round(sinceBoot * 1000) - startTicks * 1000 / USER_HZ));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
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
