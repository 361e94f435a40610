package io.keel.server;

import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.api.TxnResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleMemberTest {

    @Test
    void putGetDeleteTxnAndRestart(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 1)) {
            Keel keel = cluster.start(1);
            cluster.awaitLeader();

            long rev = Poll.retrying("first put", () -> keel.put("a", "1")).revision();
            assertEquals(Optional.of("1"), keel.get("a"));
            assertEquals(Optional.of("1"), keel.get("a", true));
            assertTrue(keel.put("a", "2").revision() > rev);
            assertEquals(Optional.of("2"), keel.get("a"));

            assertEquals(1, keel.delete("a"));
            assertEquals(Optional.empty(), keel.get("a"));
            assertEquals(0, keel.delete("a"));

            // Create-if-absent: succeeds once, then takes the other branch and reads.
            TxnResponse created = keel.txn(Txn.when(Txn.absent("lock")).then(Txn.put("lock", "me"))
                    .otherwise(Txn.get("lock")));
            assertTrue(created.succeeded());
            assertTrue(created.responses().get(0) instanceof PutResponse);
            TxnResponse taken = keel.txn(Txn.when(Txn.absent("lock")).then(Txn.put("lock", "other"))
                    .otherwise(Txn.get("lock")));
            assertFalse(taken.succeeded());
            RangeResponse seen = (RangeResponse) taken.responses().get(0);
            assertEquals("me", new String(seen.kvs().get(0).value()));
            // A read-only txn is answered without a Raft entry.
            TxnResponse readOnly = keel.txn(Txn.when(Txn.valueIs("lock", "me")).then(Txn.get("lock")));
            assertTrue(readOnly.succeeded());

            cluster.stop(1);
            Keel again = cluster.start(1);
            assertEquals(Optional.of("me"), again.get("lock", true));
            cluster.awaitLeader();
            assertEquals(Optional.of("me"), Poll.retrying("read after restart", () -> again.get("lock")));
            Poll.retrying("write after restart", () -> again.put("b", "3"));
            assertEquals(Optional.of("3"), again.get("b"));
        }
    }

    /**
     * A linearizable read that fails for its own request (a range at a compacted revision) fails that request alone:
     * the member runtime's read stage is fail-stop, so the member's query carries the failure inside its answer
     * instead of throwing it there. Thrown, it would stop the member and the write after it would fail.
     */
    @Test
    void aRangeAtACompactedRevisionFailsAloneAndTheMemberGoesOn(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 1)) {
            Keel keel = cluster.start(1);
            cluster.awaitLeader();
            long first = Poll.retrying("first put", () -> keel.put("k", "1")).revision();
            long second = keel.put("k", "2").revision();
            keel.write(new CompactRequest(second));

            RangeRequest old = RangeRequest.key("k".getBytes(StandardCharsets.UTF_8)).atRevision(first);
            assertThrows(RevisionCompactedException.class, () -> keel.range(old, false));

            assertTrue(keel.put("k", "3").revision() > second, "the member still takes writes");
            assertEquals(Optional.of("3"), keel.get("k"), "and answers linearizable reads");
        }
    }
}
