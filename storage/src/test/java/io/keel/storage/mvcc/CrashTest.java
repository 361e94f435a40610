package io.keel.storage.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments, in a real process: after every kill the reopened store's applied index is at least
 * the last one the child reported, and its data is exactly entries 1..appliedIndex applied in order — never an
 * entry lost, skipped, or applied twice (fault 9 and 14 of fault-scenarios.md).
 */
class CrashTest {
    private static final int KILLS = 24;

    @Test
    void aStoreKilledAtRandomMomentsAlwaysHoldsExactlyItsAppliedEntries(@TempDir Path dir,
                                                                                    @TempDir Path logs)
            throws Exception {
        long seed = Long.getLong("keel.crash.seed", 20261127L);
        Random rnd = new Random(seed);
        Path store = dir.resolve("store");
        Path childErrors = logs.resolve("child.err");
        long lastReported = 0;
        int killedWhileApplying = 0;
        int appliedButUnreported = 0;
        long applied = 0;
        Path library = io.keel.storage.log.ChildJvm.rocksLibraryIn(logs);
        for (int kill = 0; kill < KILLS; kill++) {
            Process child = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                    "-Djava.library.path=" + library,
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", CrashChild.class.getName(), store.toString(),
                    Long.toString(rnd.nextLong()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(childErrors.toFile()))
                    .start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            // Sometimes while it starts (opening RocksDB, recovering its WAL), mostly after a random number of
            // entries: the child keeps applying while the kill is on its way, so it lands anywhere in an apply.
            int entriesBeforeKill = rnd.nextInt(5) == 0 ? -1 : rnd.nextInt(40);
            if (entriesBeforeKill >= 0) {
                String ready = out.readLine();
                assertTrue(ready != null && ready.startsWith("ready "), () -> "child said " + ready + "\n"
                        + stderr(childErrors));
                for (int seen = 0; seen < entriesBeforeKill; seen++) {
                    lastReported = Math.max(lastReported, reported(out.readLine(), childErrors));
                }
                killedWhileApplying++;
            }
            // SIGKILL through the handle: Process.destroyForcibly would also close the pipe, losing lines
            // the child printed (entries it acknowledged) before it died.
            child.toHandle().destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
            // What it printed before dying counts too: those entries were acknowledged.
            for (String line; (line = out.readLine()) != null; ) {
                // The last line may have been cut by the kill; a cut number is smaller, so still a lower bound.
                if (line.matches("applied \\d+")) {
                    lastReported = Math.max(lastReported, reported(line, childErrors));
                }
            }
            out.close();
            try (MvccStore reopened = MvccStore.open(store)) {
                applied = reopened.appliedIndex();
                assertTrue(applied >= lastReported, "kill " + kill + ": applied index " + applied
                        + " is behind the acknowledged " + lastReported + " (seed " + seed + ")");
                assertMatchesEntries(reopened, applied, "kill " + kill + " (seed " + seed + ")");
            }
            if (applied > lastReported) {
                appliedButUnreported++;
            }
        }
        System.out.printf("CrashTest seed %d: %d kills (%d while applying), %d entries applied, %d kills landed "
                + "between an apply and its report%n", seed, KILLS, killedWhileApplying, applied,
                appliedButUnreported);
        assertTrue(killedWhileApplying >= KILLS / 2, "most kills should land while entries are applied");
        assertTrue(lastReported > 0, "the children applied nothing");
    }

    /** The store must equal entries 1..applied: each key's last put, its first put's revision, its put count. */
    static void assertMatchesEntries(MvccStore store, long applied, String when) {
        Map<String, KeyValue> expected = new TreeMap<>();
        for (long i = 1; i <= applied; i++) {
            PutRequest p = CrashChild.entry(i);
            String key = StoreDriver.s(p.key());
            KeyValue prev = expected.get(key);
            // Entry i is the i-th write, and the store starts at revision 1: it makes revision i + 1.
            expected.put(key, new KeyValue(p.key(), prev == null ? i + 1 : prev.createRevision(), i + 1,
                    prev == null ? 1 : prev.version() + 1, p.value(), 0));
        }
        List<KeyValue> actual = store.range(RangeRequest.of(KeyRange.prefix(StoreDriver.b("k")))).kvs();
        assertEquals(new ArrayList<>(expected.values()), actual, when);
        assertEquals(applied + 1, store.revision(), when);
        assertEquals(expected.size(), store.counters().liveKeys(), when + ": the live-key count META holds");
    }

    static long reported(String line, Path childErrors) {
        if (line == null || !line.startsWith("applied ")) {
            throw new AssertionError("child said " + line + "\n" + stderr(childErrors));
        }
        return Long.parseLong(line.substring("applied ".length()));
    }

    static String stderr(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

}
