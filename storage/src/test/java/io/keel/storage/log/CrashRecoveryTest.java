package io.keel.storage.log;

import io.keel.raft.log.Bootstrap;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Faults 9 and 10 with real processes: a member process appends through the group-commit log and acknowledges each
 * write after its sync; it is killed with SIGKILL at random moments (during JVM start, WAL recovery, appends,
 * rewrites of its tail, compactions), at least 20 times. After every kill the store opens, every acknowledged index
 * is there, every entry passes its checksum and is the entry that was written, and the log is contiguous.
 */
class CrashRecoveryTest {
    private static final int KILLS = 22;

    @TempDir
    Path dir;
    @TempDir
    Path scratch;

    @Test
    @Timeout(600)
    void killNineAtRandomMomentsNeverLosesAnAcknowledgedWrite() throws Exception {
        long seed = Long.getLong("keel.crash.seed", 20261127L);
        SplittableRandom random = new SplittableRandom(seed);
        Path library = ChildJvm.rocksLibraryIn(scratch);
        Path data = dir.resolve("member");
        Acknowledged acknowledged = new Acknowledged();
        int kills = 0;
        long totalAcknowledged = 0;
        for (int run = 1; kills < KILLS; run++) {
            Path stderr = scratch.resolve("child-" + run + ".err");
            Process child = ChildJvm.start(library, stderr, "append", data.toString(), Integer.toString(run));
            // 1 in 8: killed at once (JVM start, RocksDB open, WAL recovery); 1 in 8: right after opening;
            // otherwise after 1..150 acknowledged writes, with up to 32 more in flight.
            int plan = random.nextInt(8);
            int killAfter = plan == 0 ? -1 : plan == 1 ? 0 : 1 + random.nextInt(150);
            BufferedReader out = child.inputReader();
            if (killAfter >= 0) {
                int synced = 0;
                while (true) {
                    String line = out.readLine();
                    if (line == null) {
                        child.waitFor();
                        fail("seed " + seed + ", run " + run + ": the member died by itself (exit "
                                + child.exitValue() + "):\n" + ChildJvm.stderrOf(stderr));
                    }
                    acknowledged.note(line);
                    if (line.startsWith("opened") && killAfter == 0) break;
                    if (line.startsWith("synced") && ++synced >= killAfter) break;
                }
            }
            // SIGKILL. Through the ProcessHandle: Process.destroyForcibly would also close our end of its stdout,
            // and the lines it wrote just before dying are acknowledgements we must still read.
            child.toHandle().destroyForcibly();
            child.waitFor();
            // Lines it wrote before dying are acknowledgements too.
            for (String line = out.readLine(); line != null; line = out.readLine()) acknowledged.note(line);
            out.close();
            assertEquals(137, child.exitValue(), () -> "killed by SIGKILL, not exited:\n" + ChildJvm.stderrOf(stderr));
            kills++;
            totalAcknowledged = acknowledged.index;
            verify(data, acknowledged, "seed " + seed + ", after kill " + kills + " (run " + run + ")");
        }
        assertTrue(totalAcknowledged > 100, "the member made progress between kills: " + totalAcknowledged);
        try (RocksLogStorage storage = RocksLogStorage.open(data, LogFixtures.CLUSTER, CrashChild.MEMBER)) {
            System.out.println("crash test (seed " + seed + "): " + kills + " kills, " + totalAcknowledged
                    + " acknowledged, " + storage);
            assertTrue(storage.firstIndex() > 1, "compactions ran between the kills too: " + storage);
        }
    }

    /** The newest acknowledged write: its last index and its term. */
    private static final class Acknowledged {
        long index;
        long term;

        void note(String line) {
            if (!line.startsWith("synced ")) return;
            String[] parts = line.split(" ");
            index = Long.parseLong(parts[1]);
            term = Long.parseLong(parts[2]);
        }
    }

    private static void verify(Path data, Acknowledged acknowledged, String when) throws IOException {
        RocksLogStorage storage;
        try {
            storage = RocksLogStorage.open(data, LogFixtures.CLUSTER, CrashChild.MEMBER);
        } catch (NoKeelDataException e) {
            // Killed before its bootstrap write was durable: fine only if it never acknowledged anything.
            assertEquals(0, acknowledged.index, when + ": acknowledged writes but the directory holds no data");
            return;
        }
        try (storage) {
            long first = storage.firstIndex();
            long last = storage.lastIndex();
            assertTrue(last >= acknowledged.index, when + ": acknowledged " + acknowledged.index + " but the log ends at " + last);
            if (acknowledged.index >= first - 1 && acknowledged.index > 0) {
                assertTrue(storage.term(acknowledged.index) >= acknowledged.term,
                        when + ": entry " + acknowledged.index + " lost the term it was acknowledged with");
            }
            List<Entry> log = storage.entries(first, last + 1, Long.MAX_VALUE); // every checksum checked
            assertEquals(last - first + 1, log.size(), when + ": the log " + first + ".." + last + " is not contiguous");
            long previousTerm = storage.term(first - 1);
            for (int i = 0; i < log.size(); i++) {
                Entry e = log.get(i);
                assertEquals(first + i, e.getIndex(), when);
                assertTrue(e.getTerm() >= previousTerm, when + ": terms go down at " + e.getIndex());
                if (e.getIndex() == 1) {
                    assertEquals(Bootstrap.initialEntry(1, 2, 3), e, when);
                } else {
                    assertEquals(LogFixtures.payload(e.getIndex(), e.getTerm()), e.getData(),
                            when + ": entry " + e.getIndex() + " is not what was written");
                }
                previousTerm = e.getTerm();
            }
            HardState hs = storage.hardState();
            assertTrue(hs.getCommit() <= last, when + ": the hard state commits " + hs.getCommit() + " beyond " + last);
        }
    }
}
