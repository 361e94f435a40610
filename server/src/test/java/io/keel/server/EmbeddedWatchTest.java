package io.keel.server;

import io.keel.server.watch.Watch;
import io.keel.server.watch.WatchListener;
import io.keel.server.watch.WatchOptions;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded watch API: {@code keel.watch(options, listener)} on one member. */
class EmbeddedWatchTest {
    @TempDir
    Path dir;
    TestCluster cluster;
    Keel keel;

    @BeforeEach
    void start() {
        cluster = new TestCluster(dir, 1);
        keel = cluster.start(1);
        cluster.awaitLeader();
        Poll.retrying("first write", () -> keel.put("warm-up", "x"));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    /** Collects what a watch delivers. */
    static class Recorder implements WatchListener {
        final List<Event> events = Collections.synchronizedList(new ArrayList<>());
        final List<Long> batchRevisions = Collections.synchronizedList(new ArrayList<>());
        /** How many events each call brought, in call order. */
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<String> canceled = new CompletableFuture<>();

        @Override
        public void onEvents(List<Event> batch, long revision) {
            synchronized (events) {
                events.addAll(batch);
                batchSizes.add(batch.size());
                batchRevisions.add(revision);
            }
        }

        @Override
        public void onCanceled(long compactRevision, String reason) {
            canceled.complete(compactRevision + " " + reason);
        }

        List<String> described() {
            synchronized (events) {
                return events.stream().map(e -> e.type() + " " + s(e.kv().key()) + "=" + s(e.kv().value()) + "@"
                        + e.kv().modRevision()).toList();
            }
        }

        void awaitEvents(int n) {
            Poll.until(n + " events", () -> events.size() >= n);
        }
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void aPrefixWatchGetsChangesInOrderWithTransactionsWholeUntilClosed() {
        Recorder r = new Recorder();
        Watch watch = keel.watch(WatchOptions.prefix("emb/"), r);
        Poll.until("the watch is created", () -> keel.watchHub().watchCount() == 1);
        long a = keel.put("emb/a", "1").revision();
        keel.put("elsewhere", "1");
        long t = keel.txn(Txn.when().then(Txn.put("emb/b", "2"), Txn.put("emb/c", "3"))).revision();
        keel.delete("emb/a");
        r.awaitEvents(4);
        assertEquals(List.of("PUT emb/a=1@" + a, "PUT emb/b=2@" + t, "PUT emb/c=3@" + t, "DELETE emb/a=@" + (t + 1)),
                r.described());
        // A call brings whatever revisions are ready (one or several, depending on how fast the watch is served),
        // but never part of one: the transaction's two events, the second and third, are never split.
        List<Integer> sizes = List.copyOf(r.batchSizes);
        int delivered = 0;
        for (int size : sizes) {
            delivered += size;
            assertTrue(delivered != 2, "the transaction's events were split between calls of " + sizes + " events");
        }
        assertEquals(4, delivered, "calls of " + sizes + " events");
        List<Long> revisions = List.copyOf(r.batchRevisions);
        assertEquals(t + 1, revisions.get(revisions.size() - 1), "the last call is up to the delete: " + revisions);

        watch.close();
        assertTrue(watch.isDone());
        Poll.until("the watch is gone", () -> keel.watchHub().watchCount() == 0);
        keel.put("emb/d", "4");
        Recorder after = new Recorder(); // a second watch from the past shows the put happened, and was not delivered
        try (Watch w = keel.watch(WatchOptions.key("emb/d").fromRevision(t + 2), after)) {
            after.awaitEvents(1);
        }
        assertEquals(4, r.events.size());
        assertFalse(r.canceled.isDone(), "closing is not a cancellation by the member");
    }

    @Test
    void fromAPastRevisionWithPrevKvAndFilters() {
        long first = keel.put("past/k", "1").revision();
        keel.put("past/k", "2");
        keel.delete("past/k");
        Recorder all = new Recorder();
        Recorder deletes = new Recorder();
        try (Watch w1 = keel.watch(WatchOptions.key("past/k").fromRevision(first).withPrevKv(), all);
             Watch w2 = keel.watch(WatchOptions.key("past/k").fromRevision(first).withoutPuts(), deletes)) {
            all.awaitEvents(3);
            deletes.awaitEvents(1);
            assertNull(all.events.get(0).prevKv());
            assertEquals("1", s(all.events.get(1).prevKv().value()));
            assertEquals("2", s(all.events.get(2).prevKv().value()));
            assertEquals(List.of("DELETE past/k=@" + (first + 2)), deletes.described());
        }
    }

    @Test
    void aCompactedStartCancelsTheWatchWithTheCompactRevision() throws Exception {
        long old = keel.put("cmp/k", "1").revision();
        long now = keel.put("cmp/k", "2").revision();
        keel.write(new CompactRequest(now));
        Recorder r = new Recorder();
        Watch w = keel.watch(WatchOptions.key("cmp/k").fromRevision(old), r);
        assertEquals(now + " ", r.canceled.get(30, TimeUnit.SECONDS));
        assertTrue(w.isDone());
        assertTrue(r.events.isEmpty());
    }

    @Test
    void aWatchEtcdWouldRefuseIsRefusedAtOnce() {
        assertThrows(IllegalArgumentException.class,
                () -> keel.watch(WatchOptions.range("b".getBytes(), "a".getBytes()), (e, rev) -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> keel.watch(WatchOptions.key("k").fromRevision(-1), (e, rev) -> { }));
    }

    @Test
    void aBlockedListenerHoldsUpNeitherWritesNorOtherWatchesAndThenCatchesUp() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Recorder slow = new Recorder() {
            @Override
            public void onEvents(List<Event> batch, long revision) {
                try {
                    release.await(); // stuck until the test lets it go
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.onEvents(batch, revision);
            }
        };
        Recorder fast = new Recorder();
        try (Watch s = keel.watch(WatchOptions.prefix("blk/"), slow);
             Watch f = keel.watch(WatchOptions.prefix("blk/"), fast)) {
            Poll.until("both watches created", () -> keel.watchHub().watchCount() == 2);
            int n = 200;
            long first = 0;
            for (int i = 0; i < n; i++) {
                long rev = keel.put("blk/" + (i % 5), "v" + i).revision();
                if (i == 0) first = rev;
            }
            fast.awaitEvents(n);
            assertTrue(slow.events.isEmpty());
            release.countDown();
            slow.awaitEvents(n);
            for (Recorder r : List.of(fast, slow)) {
                assertEquals(n, r.events.size());
                for (int i = 0; i < n; i++) assertEquals(first + i, r.events.get(i).kv().modRevision());
            }
        }
    }

    @Test
    void closingTheMemberCancelsItsWatches() throws Exception {
        Recorder r = new Recorder();
        Watch w = keel.watch(WatchOptions.prefix("stop/"), r);
        Poll.until("the watch is created", () -> keel.watchHub().watchCount() == 1);
        cluster.stop(1);
        assertTrue(r.canceled.get(30, TimeUnit.SECONDS).startsWith("0 member 1 is stopped"), r.canceled::join);
        assertTrue(w.isDone());
    }
}
