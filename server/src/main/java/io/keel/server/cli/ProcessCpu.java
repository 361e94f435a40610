package io.keel.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CPU time this process has used, user and system, from Linux's /proc/self/stat (no management beans to load). */
final class ProcessCpu {
    /** Clock ticks per second as /proc counts them: USER_HZ, 100 on every Linux architecture Keel runs on. */
    private static final int TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    /** Milliseconds of CPU used so far (10 ms resolution), or -1 where /proc/self/stat is not available. */
    static long millis() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
            // utime field 14 and stime field 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
