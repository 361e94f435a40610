package io.keel.storage.mvcc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real process applying to a store without a write-ahead log (a member's store: syncEveryApply off).
 * What it may lose is the applies since the last flush; what it must never do is reopen partly flushed. After every
 * kill the reopened store's applied index is at least the last one {@link MvccStore#sync()} returned, and its data
 * is exactly entries 1..appliedIndex (META never ahead of or behind the column families it describes), while the
 * child's 64 KiB memtables make RocksDB flush on its own between the syncs too: were those flushes not atomic, the
 * current-record family would reach the disk ahead of META and the re-applied entries would count versions twice. The next child applies again from
 * the reopened applied index, as a member re-applies from its Raft log.
 */
class WalOffCrashTest {
    private static final int KILLS = 10;

    /**
     * The upgrade: a directory written through the WAL (the release before, or a store that syncs every apply) is
     * opened without one. What its WAL held must not be lost, not even when the process that opened it without a
     * WAL is killed before it ever syncs.
     */
    @Test
    void aStoreWrittenWithItsWalKeepsEverythingWhenOpenedWithoutOne(@TempDir Path dir, @TempDir Path logs)
            throws Exception {
        Path store = dir.resolve("store");
        Path childErrors = logs.resolve("child.err");
        Path library = io.keel.storage.log.ChildJvm.rocksLibraryIn(logs);
        Process withWal = child(store, library, childErrors, 1L, "wal");
        BufferedReader out = new BufferedReader(new InputStreamReader(withWal.getInputStream(),
                StandardCharsets.UTF_8));
        assertTrue(out.readLine().startsWith("ready "), () -> CrashTest.stderr(childErrors));
        long acknowledged = 0;
        for (int seen = 0; seen < 300; seen++) {
            acknowledged = CrashTest.reported(out.readLine(), childErrors);
        }
        withWal.toHandle().destroyForcibly();
        assertTrue(withWal.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
        out.close();

        Process withoutWal = child(store, library, childErrors, 2L, "no-wal");
        out = new BufferedReader(new InputStreamReader(withoutWal.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        assertTrue(ready != null && ready.startsWith("ready "), () -> CrashTest.stderr(childErrors));
        long opened = Long.parseLong(ready.substring("ready ".length()));
        assertTrue(opened >= acknowledged, "opened without its WAL at " + opened + ", behind the acknowledged "
                + acknowledged);
        withoutWal.toHandle().destroyForcibly(); // before it syncs anything
        assertTrue(withoutWal.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
        out.close();
        try (MvccStore reopened = MvccStore.open(store)) {
            assertTrue(reopened.appliedIndex() >= acknowledged, "after a kill without a WAL, applied index "
                    + reopened.appliedIndex() + " is behind what the WAL held: " + acknowledged);
            CrashTest.assertMatchesEntries(reopened, reopened.appliedIndex(), "after the upgrade");
        }
    }

    private static Process child(Path store, Path library, Path errors, long seed, String mode) throws Exception {
        return new ProcessBuilder(CrashTest.javaBinary(), "-cp", System.getProperty("java.class.path"),
                "-Djava.library.path=" + library, "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                CrashChild.class.getName(), store.toString(), Long.toString(seed), mode)
                .redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()))
                .start();
    }

    @Test
    void aStoreWithoutWalKilledAtRandomReopensWholeAtOrAfterItsLastSync(@TempDir Path dir, @TempDir Path logs)
            throws Exception {
        long seed = Long.getLong("keel.crash.seed", 20261206L);
        Random rnd = new Random(seed);
        Path store = dir.resolve("store");
        Path childErrors = logs.resolve("child.err");
        Path library = io.keel.storage.log.ChildJvm.rocksLibraryIn(logs);
        long lastDurable = 0;
        int killsThatLostApplies = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            Process child = child(store, library, childErrors, rnd.nextLong(), "no-wal");
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("ready "), () -> "child said " + ready + "\n"
                    + CrashTest.stderr(childErrors));
            long lastApplied = Long.parseLong(ready.substring("ready ".length()));
            int entriesBeforeKill = 200 + rnd.nextInt(2500);
            for (int seen = 0; seen < entriesBeforeKill; ) {
                String line = out.readLine();
                if (line != null && line.startsWith("durable ")) {
                    lastDurable = Math.max(lastDurable, Long.parseLong(line.substring("durable ".length())));
                } else {
                    lastApplied = Math.max(lastApplied, CrashTest.reported(line, childErrors));
                    seen++;
                }
            }
            // SIGKILL through the handle, so the lines printed before the kill can still be read (see CrashTest).
            child.toHandle().destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
            for (String line; (line = out.readLine()) != null; ) {
                if (line.matches("durable \\d+")) {
                    lastDurable = Math.max(lastDurable, Long.parseLong(line.substring("durable ".length())));
                } else if (line.matches("applied \\d+")) {
                    lastApplied = Math.max(lastApplied, Long.parseLong(line.substring("applied ".length())));
                }
            }
            out.close();
            try (MvccStore reopened = MvccStore.open(store)) {
                long applied = reopened.appliedIndex();
                String when = "kill " + kill + " (seed " + seed + ")";
                assertTrue(applied >= lastDurable, when + ": applied index " + applied + " is behind the synced "
                        + lastDurable);
                CrashTest.assertMatchesEntries(reopened, applied, when);
                if (applied < lastApplied) {
                    killsThatLostApplies++;
                }
            }
        }
        System.out.printf("WalOffCrashTest seed %d: %d kills, %d reopened behind the child's last apply, synced "
                + "through %d%n", seed, KILLS, killsThatLostApplies, lastDurable);
        // Without a WAL the applies after the last flush are gone: if no kill ever lost one, the store still had a
        // log of its own and this test proved nothing about re-applying.
        assertTrue(killsThatLostApplies > 0, "no kill lost an unsynced apply: is the WAL still on?");
        assertTrue(lastDurable > 0, "the children never synced");
    }
}
