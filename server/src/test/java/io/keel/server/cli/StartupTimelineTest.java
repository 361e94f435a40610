package io.keel.server.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start line's origin is the process's real start, to Linux's 10 ms: ProcessHandle's start instant was off by up
 * to a second (it adds the boot time, which Linux gives to the second), so every step of the line was too.
 */
class StartupTimelineTest {
    /** Linux counts a process's start and the time since boot in 10 ms ticks; both round down. */
    private static final long RESOLUTION_MILLIS = 20;

    @Test
    void aChildProcessPutsItsStartInsideTheTimeItWasSpawned() throws Exception {
        long before = System.currentTimeMillis();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ProcessStartProbe.class.getName())
                .redirectErrorStream(true).start();
        long spawned = System.currentTimeMillis();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the probe ended");
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, child.exitValue(), out);
        long origin = Long.parseLong(out);
        assertTrue(origin >= before - RESOLUTION_MILLIS && origin <= spawned + RESOLUTION_MILLIS,
                "the child says it started at " + origin + ", " + (origin - before) + " ms after the spawn began and "
                        + (origin - spawned) + " ms after it returned");
    }

    @Test
    void thisProcessHasAnAgeFromProc() {
        OptionalLong age = StartupTimeline.processAgeMillis();
        assertTrue(age.isPresent(), "/proc/self/stat and /proc/uptime were read");
        long jvmAge = System.currentTimeMillis()
                - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        assertTrue(age.getAsLong() + RESOLUTION_MILLIS >= jvmAge,
                "the process (" + age.getAsLong() + " ms old) is not younger than its JVM (" + jvmAge + " ms)");
    }

    /** Prints, as the launcher's timeline would take it, when its process started (epoch milliseconds). */
    public static final class ProcessStartProbe {
        public static void main(String[] args) {
            // Once before, so the clock and the age are read back to back: the first call loads classes and opens
            // files, time that would otherwise fall between them and move the start earlier on a busy machine.
            StartupTimeline.processAgeMillis().orElseThrow();
            long now = System.currentTimeMillis();
            System.out.println(now - StartupTimeline.processAgeMillis().orElseThrow());
        }
    }
}
