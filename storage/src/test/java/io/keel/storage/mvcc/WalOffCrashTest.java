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
            Process child = new ProcessBuilder(CrashTest.javaBinary(), "-cp", System.getProperty("java.class.path"),
                    "-Djava.library.path=" + library, "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    CrashChild.class.getName(), store.toString(), Long.toString(rnd.nextLong()), "no-wal")
                    .redirectError(ProcessBuilder.Redirect.appendTo(childErrors.toFile()))
                    .start();
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
