package io.keel.server.cli;

import io.keel.server.Poll;
import io.keel.server.etcd.proto.RangeResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.keel.server.cli.OfflineTools.all;
import static io.keel.server.cli.OfflineTools.describe;
import static io.keel.server.cli.OfflineTools.endpoint;
import static io.keel.server.cli.OfflineTools.etcdctl;
import static io.keel.server.cli.OfflineTools.keel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, backups: {@code etcdctl snapshot save} against a follower of a three-process cluster under a steady
 * stream of writes, {@code keel snapshot status}, {@code keel snapshot restore} into three new members of a new
 * cluster whose contents are exactly the source's at the snapshot's revision; and every damaged file refused with
 * nothing written.
 */
@ExtendWith(MemberOutputOnFailure.class)
class SnapshotRestoreTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @Test
    void snapshotSavedUnderWritesRestoresIntoANewClusterAtItsRevision(@TempDir Path dir) throws Exception {
        ProcessCluster source = ProcessCluster.start(Files.createDirectories(dir.resolve("source")), "backup-source", "m1", "m2", "m3");
        open.add(source);
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(source.members);
        MemberProcess follower = source.others(leader).get(0);
        // A lease with a key, so the copy must carry leases too.
        String lease = etcdctl(dir, endpoint(leader), "lease", "grant", "600").out();
        Matcher leaseId = Pattern.compile("lease ([0-9a-f]+) granted").matcher(lease);
        assertTrue(leaseId.find(), lease);
        assertEquals(0, etcdctl(dir, endpoint(leader), "put", "leased", "x", "--lease=" + leaseId.group(1)).exit());

        Path file = dir.resolve("backup.db");
        OfflineTools.Writer writer = new OfflineTools.Writer("load", source.members);
        open.add(writer);
        Poll.until("100 writes acknowledged before the snapshot", ProcessCluster.DEADLINE, () -> writer.count() >= 100);
        int before = writer.count();
        OfflineTools.Result save = etcdctl(dir, endpoint(follower), "snapshot", "save", file.toString());
        int after = writer.count();
        assertEquals(0, save.exit(), save::toString);
        assertTrue(after > before, "writes went on while the snapshot streamed (" + before + " -> " + after + ")");
        Poll.until("more writes after the snapshot", ProcessCluster.DEADLINE, () -> writer.count() >= after + 20);
        writer.close();
        assertEquals(0, Files.size(file) % 512 - 32, "etcd's size rule: a multiple of 512 plus a SHA-256");

        OfflineTools.Result status = keel(dir, "snapshot", "status", file.toString());
        assertEquals(0, status.exit(), status::toString);
        long revision = field(status.out(), "revision");
        assertTrue(field(status.out(), "totalKey") > 100, status.out());
        assertEquals(1, field(status.out(), "leases"), status.out());

        // The source at the snapshot's revision is what the new cluster must hold.
        Map<String, String> expected = describe(all(follower, revision, false));
        assertTrue(expected.containsKey("leased"), "the leased key is in the copy");
        for (var e : writer.acknowledged.entrySet()) {
            assertEquals(e.getValue() <= revision, expected.containsKey(e.getKey()),
                    e.getKey() + " acknowledged at revision " + e.getValue() + ", snapshot at " + revision);
        }

        // Three new members from the file.
        Path newDir = Files.createDirectories(dir.resolve("restored"));
        List<MemberProcess> restored = List.of(new MemberProcess("n1", newDir), new MemberProcess("n2", newDir),
                new MemberProcess("n3", newDir));
        open.addAll(restored);
        String initialCluster = restored.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
        for (MemberProcess m : restored) {
            OfflineTools.Result r = keel(dir, "snapshot", "restore", file.toString(), "--name", m.name,
                    "--initial-cluster", initialCluster, "--initial-cluster-token", "backup-restored",
                    "--initial-advertise-peer-urls", m.peerUrl(), "--data-dir", newDir.resolve(m.name).toString());
            assertEquals(0, r.exit(), r::toString);
        }
        for (MemberProcess m : restored) {
            m.start("--initial-cluster", initialCluster, "--initial-cluster-token", "backup-restored",
                    "--initial-cluster-state", "existing");
        }
        ProcessCluster.awaitLeaderKnownToAll(restored);
        RangeResponse copy = all(restored.get(1), 0, false);
        assertEquals(revision, copy.getHeader().getRevision(), "the new cluster starts at the snapshot's revision");
        assertEquals(expected, describe(copy));
        for (MemberProcess m : restored) {
            Poll.until(m.name + " holds the copy", ProcessCluster.DEADLINE,
                    () -> describe(all(m, 0, true)).equals(expected));
        }
        assertNotEquals(all(follower, 0, true).getHeader().getClusterId(), copy.getHeader().getClusterId(),
                "a new cluster id");
        String members = etcdctl(dir, endpoint(restored.get(0)), "member", "list").out();
        for (MemberProcess m : restored) assertTrue(members.contains(m.name + ", " + m.peerUrl()), members);
        assertFalse(members.contains("m1"), members);
        String leases = etcdctl(dir, endpoint(restored.get(0)), "lease", "list").out();
        assertTrue(leases.contains(leaseId.group(1)), leases);
        assertEquals(0, etcdctl(dir, endpoint(restored.get(2)), "put", "after-restore", "1").exit());

        refusesDamagedFiles(dir, file);
    }

    /** Empty, truncated, bit-flipped, foreign and etcd files: refused with the reason, no data directory made. */
    private static void refusesDamagedFiles(Path dir, Path good) throws Exception {
        byte[] bytes = Files.readAllBytes(good);
        Path empty = Files.write(dir.resolve("empty.db"), new byte[0]);
        Path truncated = Files.write(dir.resolve("truncated.db"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        // Cut at a 512 boundary and given a fresh (wrong) trailer: the size rule holds, the SHA-256 does not.
        Path cut = Files.write(dir.resolve("cut.db"), java.util.Arrays.copyOf(bytes, 512 * 4 + 32));
        byte[] flipped = bytes.clone();
        flipped[bytes.length / 3] ^= 0x10;
        Path damaged = Files.write(dir.resolve("damaged.db"), flipped);
        // Damage inside the store image with the SHA-256 made to match again: each chunk's own CRC32C catches it.
        byte[] resealed = bytes.clone();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        int pos = 48 + 4 + b.getInt(48); // header, manifest
        while (b.getInt(pos + 4 + 16) == 0) pos += 4 + b.getInt(pos); // to the first chunk with data
        resealed[pos + 4 + 20] ^= 0x01; // its first data byte
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                java.util.Arrays.copyOf(resealed, resealed.length - 32));
        System.arraycopy(digest, 0, resealed, resealed.length - 32, 32);
        Path inner = Files.write(dir.resolve("inner.db"), resealed);
        byte[] noise = new byte[bytes.length];
        new java.util.Random(14).nextBytes(noise);
        Path foreign = Files.write(dir.resolve("foreign.db"), noise);
        byte[] bolt = new byte[4096 + 32];
        java.nio.ByteBuffer.wrap(bolt, 16, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0xED0CDAED);
        Path etcd = Files.write(dir.resolve("etcd.db"), bolt);
        Map<Path, String> cases = Map.of(empty, "is empty", truncated, "truncated", cut, "SHA-256", damaged, "SHA-256",
                inner, "crc32c", foreign, "not a Keel snapshot", etcd, "etcd (bbolt) snapshot");
        for (var c : cases.entrySet()) {
            OfflineTools.Result status = KeelMainInProcess.run("snapshot", "status", c.getKey().toString());
            assertEquals(ExitCodes.REFUSED, status.exit(), c.getKey() + ": " + status);
            assertTrue(status.out().contains(c.getValue()), c.getKey() + ": " + status);
            Path target = dir.resolve("never-" + c.getKey().getFileName());
            OfflineTools.Result restore = KeelMainInProcess.run("snapshot", "restore", c.getKey().toString(),
                    "--name", "x", "--initial-cluster-token", "other", "--data-dir", target.toString());
            assertEquals(ExitCodes.REFUSED, restore.exit(), c.getKey() + ": " + restore);
            assertTrue(restore.out().contains(c.getValue()), c.getKey() + ": " + restore);
            assertFalse(Files.exists(target), "nothing written for " + c.getKey());
            assertFalse(Files.exists(dir.resolve(target.getFileName() + ".restoring")), "no scratch left");
        }
    }

    private static long field(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ": (\\d+)$").matcher(out);
        assertTrue(m.find(), name + " in " + out);
        return Long.parseLong(m.group(1));
    }
}
