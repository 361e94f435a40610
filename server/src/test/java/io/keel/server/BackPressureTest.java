package io.keel.server;

import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackPressureTest {
    private static final int BOUND = 16;
    private static final int MAX_BURST = 100_000;
    private static final int REFUSALS_WANTED = 50;

    @Test
    void aBurstBeyondThePendingBoundIsRefusedAndNothingAcceptedIsLost(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 1)) {
            Keel keel = cluster.builder(1).maxPendingProposals(BOUND).start();
            cluster.members[0] = keel;
            cluster.awaitLeader();
            Poll.retrying("a first write", () -> keel.put("warm", "up"));
            // A write's admission slot is let go just after its answer: the burst must find all of them free, or
            // fewer than the bound could be accepted before the refusals wanted (seen once: 15 of 16).
            Poll.until("no write in flight", () -> keel.pendingProposals() == 0);

            // Submit without waiting until the bound has refused some: a refusal is immediate (nothing queued), so
            // this ends as soon as the burst outruns the pipeline, on any machine.
            List<CompletableFuture<Response>> results = new ArrayList<>();
            int refusalsSeen = 0;
            for (int i = 0; i < MAX_BURST && refusalsSeen < REFUSALS_WANTED; i++) {
                CompletableFuture<Response> f = keel.writeAsync(PutRequest.of(key(i), value(i)));
                if (f.isCompletedExceptionally()) refusalsSeen++;
                results.add(f);
            }
            assertEquals(REFUSALS_WANTED, refusalsSeen, "a burst beyond a bound of " + BOUND + " is refused");

            Set<String> accepted = new HashSet<>();
            for (int i = 0; i < results.size(); i++) {
                try {
                    results.get(i).get(30, TimeUnit.SECONDS);
                    accepted.add(new String(key(i), StandardCharsets.UTF_8));
                } catch (ExecutionException e) {
                    assertTrue(e.getCause() instanceof OverloadedException, "only back-pressure refusals: " + e);
                    assertTrue(((OverloadedException) e.getCause()).retryable());
                }
            }
            assertTrue(accepted.size() >= BOUND, "at least the bound is accepted, got " + accepted.size());

            // Exactly the accepted writes are in the store, each with its own value: none lost, none refused in.
            Set<String> stored = new HashSet<>();
            for (KeyValue kv : keel.range(RangeRequest.of(KeyRange.prefix(bytes("burst-"))), false).kvs()) {
                String k = new String(kv.key(), StandardCharsets.UTF_8);
                assertEquals("v-" + k, new String(kv.value(), StandardCharsets.UTF_8));
                stored.add(k);
            }
            assertEquals(accepted, stored);

            keel.put("after", "burst"); // once the burst is over, writes are accepted again
        }
    }

    private static byte[] key(int i) {
        return bytes("burst-" + i);
    }

    private static byte[] value(int i) {
        return bytes("v-burst-" + i);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
