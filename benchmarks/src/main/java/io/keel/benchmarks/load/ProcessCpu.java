package io.keel.benchmarks.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time of server processes, from Linux's /proc/&lt;pid&gt;/stat: utime + stime (fields 14 and 15, in clock
 * ticks; all of the process's threads, not its children). Used before and after a load to charge the servers' CPU
 * to the operations done. Resolution is one tick (10 ms at the usual 100 Hz), so short loads measure roughly.
 */
final class ProcessCpu {
    private final List<Long> pids;
    private final long ticksPerSecond;

    ProcessCpu(List<Long> pids) {
        this(pids, clockTicksPerSecond());
    }

    ProcessCpu(List<Long> pids, long ticksPerSecond) {
        this.pids = List.copyOf(pids);
        this.ticksPerSecond = ticksPerSecond;
        nanos(); // fails now, not after the load, if a pid is wrong
    }

    boolean isEmpty() {
        return pids.isEmpty();
    }

    int processes() {
        return pids.size();
    }

    /** The processes' CPU time so far, summed, in nanoseconds. */
    long nanos() {
        long ticks = 0;
        for (long pid : pids) ticks += ticks(pid);
        return ticks * 1_000_000_000L / ticksPerSecond;
    }

    static long ticks(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        String line;
        try {
            line = Files.readString(stat, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU time of process " + pid + " (" + stat + ")", e);
        }
        return parseTicks(line);
    }

    /** utime + stime from one /proc/pid/stat line; the command name (field 2) may hold spaces and parentheses. */
    static long parseTicks(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0) throw new IllegalArgumentException("not a /proc/pid/stat line: " + statLine);
        String[] f = statLine.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 13) throw new IllegalArgumentException("short /proc/pid/stat line: " + statLine);
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The kernel's USER_HZ (getconf CLK_TCK); 100 when getconf is missing, as on every common Linux build. */
    static long clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor() == 0 && out.matches("[0-9]+")) return Long.parseLong(out);
        } catch (IOException e) {
            // no getconf: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
