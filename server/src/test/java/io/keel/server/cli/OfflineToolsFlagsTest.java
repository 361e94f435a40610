package io.keel.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to {@code keel snapshot} and {@code keel recover}: missing, wrong and conflicting flags, and data
 * directories that are missing, empty or not Keel's; each refused with its reason and exit code, nothing written.
 * (Damaged snapshot files: {@link SnapshotRestoreTest}; an old member still answering: {@link MajorityLossRecoveryTest}.)
 */
class OfflineToolsFlagsTest {
    private static void refused(int code, String expected, String... args) {
        OfflineTools.Result r = KeelMainInProcess.run(args);
        assertEquals(code, r.exit(), () -> String.join(" ", args) + ": " + r);
        assertTrue(r.out().contains(expected), () -> String.join(" ", args) + ": expected '" + expected + "' in " + r);
    }

    @Test
    void snapshotCommandsRefuseMissingWrongAndConflictingFlags(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("some.db"), new byte[] {1, 2, 3});
        String target = dir.resolve("out").toString();
        refused(ExitCodes.USAGE, "status or restore", "snapshot");
        refused(ExitCodes.USAGE, "Unmatched argument", "snapshot", "frobnicate");
        refused(ExitCodes.USAGE, "Missing required parameter: 'FILE'", "snapshot", "status");
        refused(ExitCodes.USAGE, "Missing required parameter: 'FILE'", "snapshot", "restore", "--data-dir", target);
        refused(ExitCodes.USAGE, "expected simple or json", "snapshot", "status", file.toString(), "-w", "xml");
        refused(ExitCodes.REFUSED, "no such file", "snapshot", "status", dir.resolve("missing.db").toString());
        refused(ExitCodes.REFUSED, "not a regular file", "snapshot", "status", dir.toString());
        refused(ExitCodes.USAGE, "Unknown option: '--bogus'", "snapshot", "restore", file.toString(), "--bogus");
        refused(ExitCodes.USAGE, "does not name this member", "snapshot", "restore", file.toString(), "--name", "a",
                "--initial-cluster", "b=http://127.0.0.1:2380", "--data-dir", target);
        refused(ExitCodes.USAGE, "they must match", "snapshot", "restore", file.toString(), "--name", "a",
                "--initial-cluster", "a=http://127.0.0.1:2380", "--initial-advertise-peer-urls",
                "http://127.0.0.1:2390", "--data-dir", target);
        refused(ExitCodes.USAGE, "--initial-advertise-peer-urls", "snapshot", "restore", file.toString(), "--name",
                "a", "--initial-advertise-peer-urls", "ftp://nowhere", "--data-dir", target);
        refused(ExitCodes.USAGE, "non-empty name", "snapshot", "restore", file.toString(), "--name", "a=b",
                "--data-dir", target);
        refused(ExitCodes.USAGE, "--initial-cluster-token is empty", "snapshot", "restore", file.toString(),
                "--name", "a", "--initial-cluster-token", " ", "--data-dir", target);
        // A data directory in use is never overwritten, whatever the file holds.
        Path used = Files.createDirectories(dir.resolve("used"));
        Files.writeString(used.resolve("keep"), "x");
        refused(ExitCodes.DATA_DIR_REFUSED, "already exists and is not empty", "snapshot", "restore",
                file.toString(), "--name", "a", "--data-dir", used.toString());
        assertEquals("x", Files.readString(used.resolve("keep")));
        // A file that is not a snapshot, into an empty directory: refused, the directory left as it was.
        Path emptyTarget = Files.createDirectories(dir.resolve("empty-target"));
        refused(ExitCodes.REFUSED, "not a Keel snapshot", "snapshot", "restore", file.toString(), "--name", "a",
                "--data-dir", emptyTarget.toString());
        try (var s = Files.list(emptyTarget)) {
            assertFalse(s.findAny().isPresent());
        }
        assertFalse(Files.exists(Path.of(target)));
    }

    @Test
    void recoverRefusesMissingWrongAndConflictingFlags(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "not a member");
        refused(ExitCodes.USAGE, "Missing required option: '--data-dir=<dir>'", "recover");
        refused(ExitCodes.USAGE, "--initial-cluster-token is required", "recover", "--data-dir", empty.toString());
        refused(ExitCodes.USAGE, "--peer-check-timeout 0", "recover", "--data-dir", empty.toString(), "--dry-run",
                "--peer-check-timeout", "0");
        refused(ExitCodes.USAGE, "the same directory is given twice", "recover", "--data-dir", empty.toString(),
                "--data-dir", empty.toString(), "--dry-run");
        refused(ExitCodes.USAGE, "Unknown option: '--force'", "recover", "--data-dir", empty.toString(), "--force");
        refused(ExitCodes.USAGE, "--initial-advertise-peer-urls", "recover", "--data-dir", empty.toString(),
                "--dry-run", "--initial-advertise-peer-urls", "nonsense");
        refused(ExitCodes.DATA_DIR_REFUSED, "no such directory", "recover", "--data-dir",
                dir.resolve("missing").toString(), "--dry-run");
        refused(ExitCodes.DATA_DIR_REFUSED, "holds no Keel member's data", "recover", "--data-dir",
                empty.toString(), "--initial-cluster-token", "t");
        refused(ExitCodes.DATA_DIR_REFUSED, "holds no Keel member's data", "recover", "--data-dir",
                other.toString(), "--initial-cluster-token", "t");
        try (var s = Files.list(empty)) {
            assertFalse(s.findAny().isPresent(), "recover wrote nothing into the empty directory");
        }
    }
}
