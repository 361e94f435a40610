package io.keel.server;

import io.keel.server.cli.FreePorts;
import io.keel.server.lease.LeaseKeepAlive;
import io.keel.server.watch.Watch;
import io.keel.server.watch.WatchOptions;
import io.keel.storage.mvcc.api.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's embedded example (tour item 8), run as written on member 1 of a three-member cluster, with what each
 * call should give asserted. If this test changes, the README's example changes with it.
 */
class ReadmeExampleTest {

    @Test
    void theEmbeddedExampleRunsAsTheReadmeShowsIt(@TempDir Path root) {
        InetSocketAddress addr1 = FreePorts.loopback();
        InetSocketAddress addr2 = FreePorts.loopback();
        InetSocketAddress addr3 = FreePorts.loopback();
        Map<Long, InetSocketAddress> cluster = Map.of(1L, addr1, 2L, addr2, 3L, addr3);
        List<Keel> others = new ArrayList<>();
        try {
            for (long id : new long[] {2, 3}) {
                others.add(Keel.builder().id(id).dataDir(root.resolve("m" + id)).listen(cluster.get(id))
                        .initialCluster(cluster).initialClusterToken("prod-a").start());
            }
            Path dir = root.resolve("m1");
            // ---- the README's example, with assertions ----
            try (Keel keel = Keel.builder().id(1).dataDir(dir).listen(addr1)
                    .initialCluster(Map.of(1L, addr1, 2L, addr2, 3L, addr3)).initialClusterToken("prod-a").start()) {
                keel.put("k", "v"); // as written, right after start: it waits for a leader (issue 19)
                assertEquals(Optional.of("v"), keel.get("k"));                      // linearizable
                Poll.until("this member applied it", () -> keel.get("k", true).equals(Optional.of("v")));

                long rev = keel.put("cfg/a", "1").revision();
                List<Event> seen = new CopyOnWriteArrayList<>();
                try (Watch w = keel.watch(WatchOptions.prefix("cfg/").fromRevision(rev), (events, upTo) ->
                        seen.addAll(events))) {
                    keel.put("cfg/b", "2");
                    Poll.until("the watch sees cfg/a and cfg/b", () -> seen.size() == 2);
                    assertEquals(List.of("cfg/a", "cfg/b"), seen.stream()
                            .map(e -> new String(e.kv().key(), StandardCharsets.UTF_8)).toList());
                }

                long lease = keel.grantLease(10).id();
                keel.put("session", "me", lease);
                try (LeaseKeepAlive alive = keel.keepAlive(lease)) {
                    assertEquals(Optional.of("me"), keel.get("session"));
                    assertTrue(keel.timeToLive(lease, true).orElseThrow().keys().size() == 1);
                }
                keel.revokeLease(lease);
                assertEquals(Optional.empty(), keel.get("session"), "deleted with its lease");
            }
        } finally {
            for (Keel k : others) k.close();
        }
    }
}
