package io.keel.server.space;

import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.cli.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd's two auto-compaction modes on a real one-member cluster: what each keeps, and that they compact at all. */
class AutoCompactorTest {
    private static Keel start(Path dir) {
        Keel keel = Keel.builder().id(1).dataDir(dir).listen(FreePorts.loopback()).start();
        keel.awaitLeader(Duration.ofSeconds(30));
        return keel;
    }

    private static long compacted(Keel keel) {
        return keel.hashKV(0).compactRevision();
    }

    @Test
    void revisionModeKeepsTheLastNRevisions(@TempDir Path dir) {
        try (Keel keel = start(dir)) {
            for (int i = 0; i < 30; i++) keel.put("k" + i, "v");
            long revision = keel.revision();
            try (AutoCompactor c = AutoCompactor.start(keel, new AutoCompaction(AutoCompaction.Mode.REVISION, null,
                    10), Duration.ofMillis(100))) {
                Poll.until("compacted to the revision 10 before the last", Duration.ofSeconds(60),
                        () -> compacted(keel) == revision - 10);
                keel.put("one-more", "v");
                Poll.until("compacted again as the revision moved", Duration.ofSeconds(60),
                        () -> compacted(keel) == revision + 1 - 10);
            }
            assertEquals(revision + 1 - 10, compacted(keel));
        }
    }

    @Test
    void periodicModeCompactsToTheRevisionOfAPeriodAgo(@TempDir Path dir) {
        try (Keel keel = start(dir)) {
            for (int i = 0; i < 10; i++) keel.put("k" + i, "v");
            long start = System.nanoTime();
            long revision = keel.revision();
            try (AutoCompactor c = AutoCompactor.start(keel, new AutoCompaction(AutoCompaction.Mode.PERIODIC,
                    Duration.ofSeconds(1), 0))) {
                Poll.until("compacted to the revision of a period ago", Duration.ofSeconds(60),
                        () -> compacted(keel) == revision);
                assertTrue(System.nanoTime() - start >= Duration.ofMillis(900).toNanos(),
                        "nothing younger than the period was compacted");
            }
        }
    }

    @Test
    void retentionZeroTurnsItOff(@TempDir Path dir) {
        try (Keel keel = start(dir)) {
            assertEquals(null, AutoCompactor.start(keel, AutoCompaction.OFF));
            assertEquals(null, AutoCompactor.start(keel, new AutoCompaction(AutoCompaction.Mode.REVISION, null, 0)));
        }
    }
}
