package io.keel.server.cli;

import io.keel.server.Keel;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.MvccStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: a restarting member opens its Raft log and its store at once. Whichever of them fails, the launcher stops
 * with one clear line and leaves neither database open: here, in the same JVM, opening it again would fail on
 * RocksDB's lock if it were left open.
 */
class StartRefusalReleasesStorageTest {
    @Test
    void aStoreThatCannotOpenStopsTheLauncherAndLeavesTheLogClosed(@TempDir Path dir) throws Exception {
        String[] flags = flags(dir, "m1");
        MemberSettings s = madeAndStopped(flags);
        Path current = s.dataDir().resolve("store").resolve("db").resolve("CURRENT");
        Files.writeString(current, "MANIFEST-999999\n"); // names a manifest that is not there

        String line = refused(ExitCodes.FAILED, flags);
        assertTrue(line.contains("member m1 could not start") && line.contains("store"), line);
        // The log was opened beside the store: it must be closed again.
        RocksLogStorage.open(s.dataDir().resolve("raft-log"), s.urls().newClusterId(), s.id()).close();
    }

    @Test
    void aLogThatRefusesTheDirectoryLeavesTheStoreClosed(@TempDir Path dir) throws Exception {
        MemberSettings s = madeAndStopped(flags(dir, "m1"));
        // m2 pointed at m1's data directory: its log refuses it, after the store was opened beside it.
        String[] m2 = flags(dir, "m2");
        m2[3] = s.dataDir().toString();
        String line = refused(ExitCodes.DATA_DIR_REFUSED, m2);
        assertTrue(line.contains("member m2 refused its data directory") && line.contains("belongs to"), line);
        MvccStore.open(s.dataDir().resolve("store")).close();
    }

    /** Flags of a one-member cluster; index 3 is the data directory. */
    private static String[] flags(Path dir, String name) {
        InetSocketAddress peer = FreePorts.loopback();
        String peerUrl = "http://127.0.0.1:" + peer.getPort();
        return new String[] {"--name", name, "--data-dir", dir.resolve(name).toString(),
                "--listen-client-urls", "http://127.0.0.1:" + FreePorts.next(),
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl};
    }

    /** The member's data, made by a member with the launcher's ids that ran, wrote and stopped. */
    private static MemberSettings madeAndStopped(String[] flags) {
        KeelCommand command = new KeelCommand();
        new CommandLine(command).parseArgs(flags);
        MemberSettings s = command.settings();
        try (Keel keel = Keel.builder().id(s.id()).dataDir(s.dataDir()).listen(s.peerListen())
                .initialPeerUrls(s.urls().initialPeerUrls()).clusterId(s.urls().newClusterId()).start()) {
            io.keel.server.Poll.until("the member leads", keel::isLeader);
            keel.put("k", "v");
        }
        return s;
    }

    private static String refused(int exitCode, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // A launcher that wrongly started would run until stopped: the timeout turns that into a failure.
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> KeelMain.execute(args,
                new PrintWriter(out, true), new PrintWriter(err, true)));
        String firstLine = err.toString().lines().findFirst().orElse("");
        assertEquals(exitCode, code, () -> "exit code for " + List.of(args) + "; stderr: " + err);
        assertTrue(firstLine.startsWith("keel: "), () -> "one line saying why: " + err);
        assertFalse(err.toString().contains("\tat "), () -> "a refusal prints no stack trace: " + err);
        return firstLine;
    }
}
