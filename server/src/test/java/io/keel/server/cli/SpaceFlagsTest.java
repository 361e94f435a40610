package io.keel.server.cli;

import io.keel.server.space.AutoCompaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14's launcher flags: --quota-backend-bytes, --auto-compaction-mode and -retention and
 * --experimental-corrupt-check-time read as etcd reads them, and every bad value refused with one clear line and the
 * usage exit code before anything starts.
 */
class SpaceFlagsTest {
    @Test
    void defaultsAreEtcds() {
        SpaceSettings s = settings().space();
        assertEquals(2L * 1024 * 1024 * 1024, s.quotaBytes(), "etcd's default quota: 2 GiB");
        assertFalse(s.autoCompaction().enabled(), "no auto-compaction unless asked for, as etcd");
        assertEquals(Duration.ZERO, s.corruptCheckEvery(), "no corruption check unless asked for, as etcd");
        assertEquals(2L * 1024 * 1024 * 1024, settings("--quota-backend-bytes", "0").space().quotaBytes(),
                "0 is etcd's default");
    }

    @Test
    void valuesAreReadAsEtcdReadsThem() {
        assertEquals(8_000_000, settings("--quota-backend-bytes", "8000000").space().quotaBytes());
        assertEquals(new AutoCompaction(AutoCompaction.Mode.PERIODIC, Duration.ofHours(2), 0),
                settings("--auto-compaction-retention", "2").space().autoCompaction(), "a number is hours");
        assertEquals(new AutoCompaction(AutoCompaction.Mode.PERIODIC, Duration.ofMinutes(90), 0),
                settings("--auto-compaction-mode", "periodic", "--auto-compaction-retention", "1h30m").space()
                        .autoCompaction());
        assertEquals(new AutoCompaction(AutoCompaction.Mode.REVISION, null, 1000),
                settings("--auto-compaction-mode", "revision", "--auto-compaction-retention", "1000").space()
                        .autoCompaction());
        assertEquals(Duration.ofMinutes(5), settings("--experimental-corrupt-check-time", "5m").space()
                .corruptCheckEvery());
    }

    @Test
    void badValuesAreRefusedWithAClearLine() {
        refused("--quota-backend-bytes -1: expected a positive number of bytes", "--quota-backend-bytes", "-1");
        refused("--quota-backend-bytes '2GB': expected a number of bytes", "--quota-backend-bytes", "2GB");
        refused("--auto-compaction-mode 'hourly': expected periodic or revision", "--auto-compaction-mode", "hourly",
                "--auto-compaction-retention", "1");
        refused("--auto-compaction-retention 'soon': expected a duration such as 30m or 1h",
                "--auto-compaction-retention", "soon");
        refused("--auto-compaction-retention '-1': expected a duration", "--auto-compaction-retention", "-1");
        refused("--auto-compaction-retention '5m': in revision mode, expected a whole number of revisions",
                "--auto-compaction-mode", "revision", "--auto-compaction-retention", "5m");
        refused("--auto-compaction-retention '-10': in revision mode", "--auto-compaction-mode", "revision",
                "--auto-compaction-retention", "-10");
        refused("--experimental-corrupt-check-time 'often': expected a positive duration",
                "--experimental-corrupt-check-time", "often");
    }

    @Test
    void theConfigFileTakesTheSameKeysAndRefusesTheSameValues(@TempDir Path dir) throws Exception {
        Path good = Files.writeString(dir.resolve("good.yml"), "quota-backend-bytes: 4096000\n"
                + "auto-compaction-mode: revision\nauto-compaction-retention: 50\n"
                + "experimental-corrupt-check-time: 10s\n");
        SpaceSettings s = settings("--config-file", good.toString()).space();
        assertEquals(4_096_000, s.quotaBytes());
        assertEquals(new AutoCompaction(AutoCompaction.Mode.REVISION, null, 50), s.autoCompaction());
        assertEquals(Duration.ofSeconds(10), s.corruptCheckEvery());
        Path bad = Files.writeString(dir.resolve("bad.yml"), "quota-backend-bytes: -5\n");
        refused("--quota-backend-bytes -5", "--config-file", bad.toString());
    }

    private static MemberSettings settings(String... args) {
        KeelCommand cmd = new KeelCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    /** Runs the launcher in this JVM: the usage exit code and {@code message} in stderr's first line, no trace. */
    private static void refused(String message, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> KeelMain.execute(args,
                new PrintWriter(out, true), new PrintWriter(err, true)));
        String firstLine = err.toString().lines().findFirst().orElse("");
        assertEquals(ExitCodes.USAGE, code, () -> "exit code for " + List.of(args) + "; stderr: " + err);
        assertTrue(firstLine.startsWith("keel: ") && firstLine.contains(message),
                () -> "expected '" + message + "' in the first line of stderr: " + err);
        assertFalse(err.toString().contains("\tat "), () -> "a refusal prints no stack trace: " + err);
    }
}
