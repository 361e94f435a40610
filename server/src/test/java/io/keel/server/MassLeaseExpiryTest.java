package io.keel.server;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.server.member.OperationCodec;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.api.LeaseExpireBatchRequest;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, expiry at scale (scaled down): 2,000 leases with a key each expire in the same moment; the leader
 * revokes them in bounded batches (at most 100 per 100 ms scan, in one entry) while writes go on, each answered
 * within its request timeout, and the log holds the expiries in batches: no expiry entry names more than 100
 * leases, together they name every lease, and there are far fewer of them than leases.
 *
 * <p>How long the writes take, and how many entries the expiries take (one per scan that found leases due, so it
 * depends on how the grants spread over time on a loaded machine), are not asserted as wall-clock bounds: the
 * entries in the leader's log are read back and checked one by one instead.
 */
class MassLeaseExpiryTest {
    private static final int LEASES = 2000;
    /** Lessor.MAX_EXPIRIES_PER_ENTRY: no entry revokes more leases than this. */
    private static final int MAX_EXPIRIES_PER_ENTRY = 100;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void manyLeasesExpireInBatchesWithoutStallingWrites(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            // The log is read back at the end: no compaction may take the expiries' entries out of it.
            for (long id = 1; id <= 3; id++) cluster.start(id, b -> b.snapshotEntries(1_000_000));
            Keel leader = cluster.awaitLeader();
            List<CompletableFuture<Long>> puts = new ArrayList<>();
            for (int i = 0; i < LEASES; i++) {
                String key = "mass/" + i;
                puts.add(leader.member().propose(new LeaseGrantRequest(0, 2))
                        .thenCompose(g -> {
                            long lease = ((LeaseGrantResponse) g).id();
                            return leader.writeAsync(PutRequest.of(b(key), b("v")).withLease(lease))
                                    .thenApply(r -> lease);
                        }));
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
            Set<Long> granted = puts.stream().map(CompletableFuture::join).collect(Collectors.toSet());
            assertEquals(LEASES, granted.size());
            long proposedBefore = leader.member().lessor().expiriesProposed();
            long indexBefore = leader.member().commitIndex();

            // Write while they expire. Each put ends within the request timeout (10 s here) or throws and fails the
            // test: writes are not stalled behind the expiries. How long they took is printed, not asserted.
            long slowestNanos = 0;
            int written = 0;
            long start = System.nanoTime();
            while (leader.range(RangeRequest.of(io.keel.storage.mvcc.api.KeyRange.prefix(b("mass/"))), true).count() > 0) {
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60),
                        "every lease expired within 60 s");
                long t = System.nanoTime();
                leader.put("writer", Integer.toString(written++));
                slowestNanos = Math.max(slowestNanos, System.nanoTime() - t);
                long proposed = leader.member().lessor().expiriesProposed() - proposedBefore;
                long elapsedScans = (System.nanoTime() - start) / TimeUnit.MILLISECONDS.toNanos(100) + 2;
                assertTrue(proposed <= 100 * elapsedScans, proposed + " expiries proposed in " + elapsedScans
                        + " scans: more than 100 a scan");
            }
            assertTrue(written > 0);
            assertEquals(List.of(), leader.leases(), "every lease is gone");
            System.out.println("mass expiry: " + written + " writes meanwhile, the slowest "
                    + slowestNanos / 1_000_000 + " ms; " + (leader.member().commitIndex() - indexBefore - written)
                    + " entries beside them");

            // The expiry entries in the leader's log (every one it committed; retried ones too).
            Path logDir = leader.dataDir().resolve("raft-log");
            long clusterId = leader.clusterId();
            long memberId = leader.memberId();
            cluster.stop(memberId);
            List<List<Long>> batches = new ArrayList<>();
            try (RocksLogStorage log = RocksLogStorage.open(logDir, clusterId, memberId)) {
                for (Entry e : log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE)) {
                    if (e.getType() != EntryType.ENTRY_NORMAL) continue;
                    Operation op = OperationCodec.decode(e);
                    if (op instanceof LeaseExpireBatchRequest batch) {
                        batches.add(batch.expiries().stream().map(LeaseExpireRequest::id).toList());
                    } else if (op instanceof LeaseExpireRequest one) {
                        batches.add(List.of(one.id()));
                    }
                }
            }
            for (List<Long> batch : batches) {
                assertTrue(batch.size() <= MAX_EXPIRIES_PER_ENTRY, "an expiry entry names " + batch.size()
                        + " leases, more than " + MAX_EXPIRIES_PER_ENTRY);
            }
            Set<Long> expired = batches.stream().flatMap(List::stream).collect(Collectors.toSet());
            assertEquals(granted, expired, "the expiry entries name every lease granted, and only those");
            // One entry per scan that found leases due (100 at most each): a few dozen here. One entry per expiry
            // would be 2,000; a quarter of that leaves room for grants spread over many scans on a slow machine.
            assertTrue(batches.size() <= LEASES / 4, batches.size() + " expiry entries for " + LEASES
                    + " leases: they are not batched");
        }
    }
}
