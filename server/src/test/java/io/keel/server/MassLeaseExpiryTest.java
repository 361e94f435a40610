package io.keel.server;

import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, expiry at scale (scaled down): 2,000 leases with a key each expire in the same moment; the leader
 * revokes them in bounded batches (at most 100 per 100 ms scan, in one entry) while writes go on, none of them
 * waiting long, and the log grows by about one entry per 100 expiries.
 */
class MassLeaseExpiryTest {
    private static final int LEASES = 2000;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void manyLeasesExpireInBatchesWithoutStallingWrites(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            List<CompletableFuture<?>> puts = new ArrayList<>();
            for (int i = 0; i < LEASES; i++) {
                String key = "mass/" + i;
                puts.add(leader.member().propose(new LeaseGrantRequest(0, 2))
                        .thenCompose(g -> leader.writeAsync(PutRequest.of(b(key), b("v"))
                                .withLease(((LeaseGrantResponse) g).id()))));
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
            long proposedBefore = leader.member().lessor().expiriesProposed();
            long indexBefore = leader.member().commitIndex();

            // Write while they expire; each write is timed.
            long slowestNanos = 0;
            int written = 0;
            long start = System.nanoTime();
            while (leader.range(RangeRequest.of(io.keel.storage.mvcc.api.KeyRange.prefix(b("mass/"))), true).count() > 0) {
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30),
                        "every lease expired within 30 s");
                long t = System.nanoTime();
                leader.put("writer", Integer.toString(written++));
                slowestNanos = Math.max(slowestNanos, System.nanoTime() - t);
                long proposed = leader.member().lessor().expiriesProposed() - proposedBefore;
                long elapsedScans = (System.nanoTime() - start) / TimeUnit.MILLISECONDS.toNanos(100) + 2;
                assertTrue(proposed <= 100 * elapsedScans, proposed + " expiries proposed in " + elapsedScans
                        + " scans: more than 100 a scan");
            }
            assertTrue(written > 0);
            assertTrue(slowestNanos < Duration.ofSeconds(3).toNanos(), "no write waited behind the expiries for"
                    + " long: the slowest took " + slowestNanos / 1_000_000 + " ms");
            assertEquals(List.of(), leader.leases(), "every lease is gone");
            // Expiries travel up to 100 to an entry: about 20 entries for 2,000 leases, besides the writes (and
            // the leases() read above adds none). Room for a few retried batches.
            long expiryEntries = leader.member().commitIndex() - indexBefore - written;
            assertTrue(expiryEntries <= 3 * LEASES / 100, expiryEntries + " entries beside " + written
                    + " writes for " + LEASES + " expiries: they are not batched");
        }
    }
}
