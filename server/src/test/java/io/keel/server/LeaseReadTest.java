package io.keel.server;

import io.keel.raft.ReadMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LeaseReadTest {

    @Test
    void leaseReadsSeeAcknowledgedWritesAtEveryMember(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3) {
            @Override
            Keel.Builder builder(long id) {
                return super.builder(id).readMode(ReadMode.LEASE);
            }
        }) {
            cluster.startAll();
            for (int i = 0; i < 20; i++) {
                cluster.put("k", "v" + i);
                for (Keel k : cluster.running()) {
                    // Each read follows an acknowledged write: a stale answer would show an older value.
                    assertEquals(Optional.of("v" + i), Poll.retrying("lease read", () -> k.get("k")));
                }
            }
        }
    }
}
