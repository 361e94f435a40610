package io.keel.storage.log;

import com.google.protobuf.ByteString;
import io.keel.raft.log.CompactedException;
import io.keel.raft.proto.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Compaction records the snapshot, deletes the prefix, and the disk space comes back. */
class CompactionTest {
    @TempDir
    Path dir;

    @Test
    void compactedEntriesGiveTheirSpaceBack() {
        try (RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, 1)) {
            SplittableRandom random = new SplittableRandom(1);
            List<Entry> entries = new ArrayList<>();
            for (long i = 2; i <= 20_001; i++) {
                byte[] data = new byte[1024];
                random.nextBytes(data); // incompressible
                entries.add(Entry.newBuilder().setIndex(i).setTerm(2).setData(ByteString.copyFrom(data)).build());
            }
            s.persist(LogWrite.entries(entries));
            long before = s.logBytes();
            assertTrue(before > 20L << 20, "20 MB written: " + before);

            s.compact(19_990, LogFixtures.voters(1));
            assertEquals(19_991, s.firstIndex());
            assertThrows(CompactedException.class, () -> s.entries(19_990, 19_991, Long.MAX_VALUE));
            s.awaitSpaceReclaimed();
            long after = s.logBytes();
            assertTrue(after < 1 << 20, "the compacted entries' space came back: " + before + " -> " + after);
            assertEquals(entries.subList(19_989, 20_000), s.entries(19_991, 20_002, Long.MAX_VALUE));
        }
        try (RocksLogStorage s = RocksLogStorage.open(dir, LogFixtures.CLUSTER, 1)) {
            assertEquals(19_991, s.firstIndex());
            assertEquals(20_001, s.lastIndex());
            assertEquals(2, s.term(19_990));
        }
    }
}
