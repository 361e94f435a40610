package io.keel.server;

import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: a follower's writes forwarded to a leader that is handing leadership over (as a leader stopped by SIGTERM
 * does) are held there and passed on to the new leader, instead of being dropped and failing after the forward
 * timeout (5 s plus two election timeouts). Real members, real transport: a follower keeps writes in flight through
 * several transfers, back and forth, and every write applies, none ended by its deadline.
 *
 * <p>A forward is never answered (ForwardedProposals): a put whose forward a leader dropped is never appended, and
 * puts are not forwarded again (they may not apply twice), so its only end is its request deadline, where it fails
 * with {@link RequestTimeoutException}. So "every write completed with its response" is the proof that no forward
 * was dropped; how long the writes took is printed, not asserted (a loaded machine may take seconds for a transfer
 * and an election, and that is not the behaviour under test).
 */
class ForwardDuringTransferTest {
    private static final int IN_FLIGHT = 24;
    private static final int TRANSFERS = 4;

    @Test
    void writesForwardedDuringTransfersAllApplyNoneEndedByItsDeadline(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3)) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            List<Keel> followers = cluster.running().stream().filter(k -> k != leader).toList();
            Keel writer = followers.get(0);
            Keel other = followers.get(1);
            cluster.put("warm-up", "1");

            Semaphore slots = new Semaphore(IN_FLIGHT);
            List<CompletableFuture<Response>> writes = new ArrayList<>();
            AtomicLong slowestNanos = new AtomicLong();
            Keel from = leader;
            Keel to = other;
            int n = 0;
            for (int t = 0; t < TRANSFERS; t++) {
                // Writes in flight before, during and after the hand-over.
                n = writeFor(writer, Duration.ofMillis(150), slots, writes, slowestNanos, n);
                CompletableFuture<Void> transfer = from.transferLeadershipAsync(to.memberId());
                while (!transfer.isDone()) n = writeFor(writer, Duration.ofMillis(5), slots, writes, slowestNanos, n);
                transfer.get(); // the transfer itself must succeed: otherwise this round tested nothing
                n = writeFor(writer, Duration.ofMillis(150), slots, writes, slowestNanos, n);
                Keel swap = from;
                from = to;
                to = swap;
            }
            // Every write ends by its own deadline (the request timeout, 10 s here): 30 s is only a backstop.
            int timedOut = 0;
            int failed = 0;
            StringBuilder failures = new StringBuilder();
            for (CompletableFuture<Response> w : writes) {
                try {
                    w.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RequestTimeoutException) timedOut++;
                    if (failed++ < 3) failures.append("\n  ").append(e.getCause());
                } catch (TimeoutException e) {
                    if (failed++ < 3) failures.append("\n  not answered within 30 s: ").append(e);
                }
            }
            assertEquals(0, timedOut, "writes forwarded around " + TRANSFERS + " transfers ended by their deadline"
                    + " (a forward dropped, never appended): " + failures);
            assertEquals(0, failed, "writes forwarded around " + TRANSFERS + " transfers failed: " + failures);
            System.out.println("forwarded during " + TRANSFERS + " transfers: " + n + " writes, the slowest "
                    + Duration.ofNanos(slowestNanos.get()).toMillis() + " ms");
            assertTrue(writer.leaderId() != writer.memberId(), "the writer stayed a follower, so it forwarded");
            // Each write applied exactly once: every key is there, each at version 1 (a write applied twice, which a
            // forward passed on twice would cause, leaves version 2).
            RangeResponse all = writer.range(RangeRequest.of(KeyRange.prefix(utf8("k"))), false);
            assertEquals(n, all.kvs().size());
            for (KeyValue kv : all.kvs()) {
                assertEquals(1, kv.version(), () -> new String(kv.key(), StandardCharsets.UTF_8) + " applied twice");
            }
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Issues writes through {@code writer} for {@code duration}, at most IN_FLIGHT at a time; returns the count. */
    private static int writeFor(Keel writer, Duration duration, Semaphore slots, List<CompletableFuture<Response>> writes,
                                AtomicLong slowestNanos, int n) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() - end < 0) {
            if (!slots.tryAcquire(1, TimeUnit.MILLISECONDS)) continue;
            long start = System.nanoTime();
            byte[] key = utf8("k" + n);
            CompletableFuture<Response> w = writer.writeAsync(PutRequest.of(key, key));
            w.whenComplete((r, e) -> {
                slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                slots.release();
            });
            writes.add(w);
            n++;
        }
        return n;
    }
}
