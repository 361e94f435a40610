package io.keel.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SnapshotCatchUpTest {
    private static final int WRITES = 120;

    @Test
    void aMemberBehindACompactedLogCatchesUpFromASnapshot(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3) {
            @Override
            Keel.Builder builder(long id) {
                return super.builder(id).snapshotEntries(20); // compact often: the lagging member needs a snapshot
            }
        }) {
            cluster.startAll();
            cluster.put("before", "1");
            long lagging = cluster.running().stream().filter(k -> !k.isLeader()).findFirst().orElseThrow().memberId();
            Poll.until("the lagging member has the first write",
                    () -> cluster.members[(int) lagging - 1].get("before", true).isPresent());
            cluster.stop(lagging);

            for (int i = 0; i < WRITES; i++) cluster.put("k" + i, "v" + i);

            Keel back = cluster.start(lagging);
            Poll.until("the restarted member holds every write made while it was down",
                    () -> back.get("k" + (WRITES - 1), true).isPresent());
            for (int i = 0; i < WRITES; i++) assertEquals(Optional.of("v" + i), back.get("k" + i, true), "k" + i);
            assertEquals(Optional.of("1"), back.get("before", true));

            cluster.put("after", "2");
            assertEquals(Optional.of("2"), Poll.retrying("read", () -> back.get("after")));
        }
    }
}
