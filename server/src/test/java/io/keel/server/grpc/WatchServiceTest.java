package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.keel.server.etcd.proto.CompactionRequest;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.etcd.proto.mvcc.Event;
import io.keel.server.etcd.proto.mvcc.KeyValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.keel.server.grpc.WatchClient.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd's Watch service over gRPC against one member: the requests, the options and the guarantees. */
class WatchServiceTest {
    static final Duration PROGRESS_INTERVAL = Duration.ofMillis(300);

    @RegisterExtension
    static final LeaderForClass member = new LeaderForClass(b -> b.watchProgressInterval(PROGRESS_INTERVAL));
    static KVGrpc.KVBlockingStub kv;

    @BeforeAll
    static void start() {
        kv = KVGrpc.newBlockingStub(member.channel()).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    static long put(String k, String v) {
        return kv.put(PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).build()).getHeader().getRevision();
    }

    static long put(String k, ByteString v) {
        return kv.put(PutRequest.newBuilder().setKey(bs(k)).setValue(v).build()).getHeader().getRevision();
    }

    static long delete(String k) {
        return kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs(k)).build()).getHeader().getRevision();
    }

    static WatchCreateRequest.Builder watchKey(String k) {
        return WatchCreateRequest.newBuilder().setKey(bs(k));
    }

    static WatchCreateRequest.Builder watchPrefix(String p) {
        return WatchCreateRequest.newBuilder().setKey(bs(p)).setRangeEnd(bs(p.substring(0, p.length() - 1)
                + (char) (p.charAt(p.length() - 1) + 1)));
    }

    static String describe(Event e) {
        return e.getType() + " " + e.getKv().getKey().toStringUtf8() + "=" + e.getKv().getValue().toStringUtf8()
                + "@" + e.getKv().getModRevision();
    }

    static List<String> describe(List<Event> events) {
        return events.stream().map(WatchServiceTest::describe).toList();
    }

    @Test
    void aWatchFromNowGetsPutsAndDeletesInRevisionOrder() {
        try (WatchClient w = new WatchClient(member.channel())) {
            long before = member.keel().revision();
            WatchResponse created = w.create(watchKey("now/k"));
            assertEquals(0, created.getWatchId(), "the first assigned id on a stream is 0, as in etcd");
            assertFalse(created.getCanceled());
            assertEquals(before, created.getHeader().getRevision());
            assertEquals(member.keel().clusterId(), created.getHeader().getClusterId());
            assertEquals(1, created.getHeader().getMemberId());

            long r1 = put("now/k", "a");
            put("now/other", "x");
            long r2 = put("now/k", "b");
            long r3 = delete("now/k");
            List<Event> events = w.events(0, 3);
            assertEquals(List.of("PUT now/k=a@" + r1, "PUT now/k=b@" + r2, "DELETE now/k=@" + r3),
                    describe(events));
            assertEquals(2, events.get(1).getKv().getVersion());
            assertEquals(r1, events.get(1).getKv().getCreateRevision());
            assertFalse(events.get(0).hasPrevKv(), "no prev_kv unless asked");
        }
    }

    @Test
    void prefixRangeEndAllKeysPrevKvAndFilters() {
        try (WatchClient w = new WatchClient(member.channel())) {
            long prefix = w.create(watchPrefix("pf/").setPrevKv(true)).getWatchId();
            long range = w.create(WatchCreateRequest.newBuilder().setKey(bs("pf/b")).setRangeEnd(bs("pf/d")))
                    .getWatchId();
            long noPut = w.create(watchPrefix("pf/").addFilters(WatchCreateRequest.FilterType.NOPUT))
                    .getWatchId();
            long noDelete = w.create(watchPrefix("pf/").addFilters(WatchCreateRequest.FilterType.NODELETE))
                    .getWatchId();
            long fromKey = w.create(WatchCreateRequest.newBuilder().setKey(bs("pf/c")).setRangeEnd(bs("\0")))
                    .getWatchId();
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), List.of(prefix, range, noPut, noDelete, fromKey));

            long a = put("pf/a", "1");
            long b = put("pf/b", "1");
            long c = put("pf/c", "1");
            long a2 = put("pf/a", "2");
            long del = delete("pf/a");
            long outside = put("pg", "1"); // after pf/ in key order: only the "from pf/c on" watch sees it

            Map<Long, List<Event>> byWatch = new HashMap<>();
            Map<Long, Integer> expected = Map.of(prefix, 5, range, 2, noPut, 1, noDelete, 4, fromKey, 2);
            while (expected.entrySet().stream()
                    .anyMatch(e -> byWatch.getOrDefault(e.getKey(), List.of()).size() < e.getValue())) {
                WatchResponse r = w.next();
                byWatch.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>()).addAll(r.getEventsList());
            }
            List<Event> p = byWatch.get(prefix);
            List<Event> rg = byWatch.get(range);
            List<Event> np = byWatch.get(noPut);
            List<Event> nd = byWatch.get(noDelete);
            List<Event> fk = byWatch.get(fromKey);
            assertEquals(List.of("PUT pf/a=1@" + a, "PUT pf/b=1@" + b, "PUT pf/c=1@" + c, "PUT pf/a=2@" + a2,
                    "DELETE pf/a=@" + del), describe(p));
            assertFalse(p.get(0).hasPrevKv(), "a created key has no previous version");
            assertEquals("1", p.get(3).getPrevKv().getValue().toStringUtf8());
            assertEquals(KeyValue.newBuilder().setKey(bs("pf/a")).setValue(bs("2")).setCreateRevision(a)
                    .setModRevision(a2).setVersion(2).build(), p.get(4).getPrevKv());
            assertEquals(List.of("PUT pf/b=1@" + b, "PUT pf/c=1@" + c), describe(rg));
            assertEquals(List.of("DELETE pf/a=@" + del), describe(np));
            assertEquals(List.of("PUT pf/a=1@" + a, "PUT pf/b=1@" + b, "PUT pf/c=1@" + c, "PUT pf/a=2@" + a2),
                    describe(nd));
            assertEquals(List.of("PUT pf/c=1@" + c, "PUT pg=1@" + outside), describe(fk));
        }
    }

    @Test
    void aPastStartRevisionReplaysHistoryThenGoesLive() {
        long r1 = put("past/k", "1");
        long r2 = put("past/k", "2");
        long r3 = delete("past/k");
        try (WatchClient w = new WatchClient(member.channel())) {
            long id = w.create(watchKey("past/k").setStartRevision(r1).setPrevKv(true)).getWatchId();
            List<Event> replay = w.events(id, 3);
            assertEquals(List.of("PUT past/k=1@" + r1, "PUT past/k=2@" + r2, "DELETE past/k=@" + r3),
                    describe(replay));
            assertEquals("2", replay.get(2).getPrevKv().getValue().toStringUtf8());
            long r4 = put("past/k", "3");
            assertEquals(List.of("PUT past/k=3@" + r4), describe(w.events(id, 1)));
        }
    }

    @Test
    void aTransactionsEventsComeInOneResponse() {
        try (WatchClient w = new WatchClient(member.channel())) {
            long id = w.create(watchPrefix("txn/")).getWatchId();
            TxnRequest.Builder t = TxnRequest.newBuilder();
            for (String k : List.of("txn/a", "txn/b", "txn/c")) {
                t.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs(k))
                        .setValue(bs("v"))));
            }
            long rev = kv.txn(t.build()).getHeader().getRevision();
            WatchResponse r = w.next();
            assertEquals(id, r.getWatchId());
            assertEquals(List.of("PUT txn/a=v@" + rev, "PUT txn/b=v@" + rev, "PUT txn/c=v@" + rev),
                    describe(r.getEventsList()));
            assertEquals(rev, r.getHeader().getRevision());
        }
    }

    @Test
    void cancelAnswersCanceledAndStopsEvents() {
        try (WatchClient w = new WatchClient(member.channel())) {
            long keep = w.create(watchKey("cancel/k")).getWatchId();
            long gone = w.create(watchKey("cancel/k")).getWatchId();
            w.cancel(gone);
            WatchResponse canceled = w.next();
            assertEquals(gone, canceled.getWatchId());
            assertTrue(canceled.getCanceled());
            assertEquals(member.keel().revision(), canceled.getHeader().getRevision());
            w.cancel(99); // unknown: etcd answers nothing
            long rev = put("cancel/k", "v");
            WatchResponse r = w.next();
            assertEquals(keep, r.getWatchId(), "only the remaining watch gets the event");
            assertEquals(rev, r.getEvents(0).getKv().getModRevision());
            w.requestProgress(); // answered after the events: nothing from the canceled watch comes between
            WatchResponse progress = w.next();
            assertEquals(-1, progress.getWatchId(), () -> "unexpected " + progress);
        }
    }

    @Test
    void clientChosenIdsDuplicatesAndEmptyRangesAsEtcdAnswersThem() {
        try (WatchClient w = new WatchClient(member.channel())) {
            assertEquals(7, w.create(watchKey("ids/k").setWatchId(7)).getWatchId());
            WatchResponse duplicate = w.create(watchKey("ids/k").setWatchId(7));
            assertTrue(duplicate.getCanceled());
            assertEquals(-1, duplicate.getWatchId());
            assertEquals("mvcc: duplicate watch ID provided on the WatchStream", duplicate.getCancelReason());
            assertEquals(0, w.create(watchKey("ids/k")).getWatchId());
            assertEquals(1, w.create(watchKey("ids/k").setWatchId(1)).getWatchId());
            assertEquals(2, w.create(watchKey("ids/k")).getWatchId(), "assigned ids skip ids in use");
            WatchResponse empty = w.create(WatchCreateRequest.newBuilder().setKey(bs("ids/z")).setRangeEnd(bs("ids/a")));
            assertTrue(empty.getCanceled());
            assertEquals("mvcc: watcher range is empty", empty.getCancelReason());

            long rev = put("ids/k", "v");
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                WatchResponse r = w.next();
                assertEquals(rev, r.getEvents(0).getKv().getModRevision());
                ids.add(r.getWatchId());
            }
            assertEquals(List.of(0L, 1L, 2L, 7L), ids.stream().sorted().toList());
        }
    }

    @Test
    void aWatchFromACompactedRevisionIsCreatedThenCanceledWithTheCompactRevision() {
        long old = put("compact/k", "1");
        put("compact/k", "2");
        long compactAt = put("compact/k", "3");
        kv.compact(CompactionRequest.newBuilder().setRevision(compactAt).build());
        try (WatchClient w = new WatchClient(member.channel())) {
            WatchResponse created = w.create(watchKey("compact/k").setStartRevision(old));
            assertFalse(created.getCanceled(), "etcd creates the watch, then cancels it");
            WatchResponse canceled = w.next();
            assertEquals(created.getWatchId(), canceled.getWatchId());
            assertTrue(canceled.getCanceled());
            assertEquals(compactAt, canceled.getCompactRevision());
            assertEquals(0, canceled.getEventsCount());
            assertEquals(0, canceled.getHeader().getRevision(), "etcd's compaction cancel has header revision 0");
            assertEquals("", canceled.getCancelReason());

            long id = w.create(watchKey("compact/k").setStartRevision(compactAt)).getWatchId();
            assertEquals(List.of("PUT compact/k=3@" + compactAt), describe(w.events(id, 1)),
                    "from the compacted revision itself the watch works");
        }
    }

    @Test
    void progressRequestsAndPeriodicProgressNotifications() {
        try (WatchClient w = new WatchClient(member.channel())) {
            long id = w.create(watchKey("progress/k").setProgressNotify(true)).getWatchId();
            long rev = put("progress/other", "v");
            w.requestProgress();
            // A periodic notification (for watch id 0) may come first on a slow machine: take the answer itself.
            List<WatchResponse> upToAnswer = w.until(r -> r.getWatchId() == -1);
            WatchResponse asked = upToAnswer.get(upToAnswer.size() - 1);
            assertEquals(-1, asked.getWatchId());
            assertEquals(0, asked.getEventsCount());
            assertTrue(asked.getHeader().getRevision() >= rev, asked::toString);

            // Idle: the periodic notification (every 300 ms here) names the watch and the current revision.
            WatchResponse tick = w.next();
            assertEquals(id, tick.getWatchId());
            assertEquals(0, tick.getEventsCount());
            assertFalse(tick.getCreated() || tick.getCanceled());
            assertEquals(member.keel().revision(), tick.getHeader().getRevision());
        }
    }

    @Test
    void largeResponsesAreFragmentedOnlyWhenAsked() {
        // One revision larger than the request limit: a range delete whose events carry their previous values.
        ByteString value = ByteString.copyFrom(new byte[600 * 1024]);
        for (String k : List.of("frag/a", "frag/b", "frag/c", "frag/d")) put(k, value);
        long del = kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("frag/")).setRangeEnd(bs("frag0"))
                .build()).getHeader().getRevision();
        try (WatchClient w = new WatchClient(member.channel())) {
            long id = w.create(watchPrefix("frag/").setStartRevision(del).setPrevKv(true).setFragment(true))
                    .getWatchId();
            List<WatchResponse> parts = w.until(r -> !r.getFragment());
            assertTrue(parts.size() >= 2, "split into fragments: " + parts.size());
            List<String> keys = new ArrayList<>();
            for (WatchResponse r : parts) {
                assertEquals(id, r.getWatchId());
                assertTrue(r.getSerializedSize() < EtcdGrpcServer.DEFAULT_MAX_REQUEST_BYTES
                        || r.getEventsCount() == 1, "a fragment under the limit unless it has one event");
                for (Event e : r.getEventsList()) {
                    assertEquals(del, e.getKv().getModRevision());
                    assertEquals(value.size(), e.getPrevKv().getValue().size());
                    keys.add(e.getKv().getKey().toStringUtf8());
                }
            }
            assertEquals(List.of("frag/a", "frag/b", "frag/c", "frag/d"), keys);

            long whole = w.create(watchPrefix("frag/").setStartRevision(del).setPrevKv(true)).getWatchId();
            WatchResponse unsplit = w.next();
            assertEquals(whole, unsplit.getWatchId());
            assertFalse(unsplit.getFragment());
            assertEquals(4, unsplit.getEventsCount(), "without the option the revision comes whole");
        }
    }

    @Test
    void manyWatchesOnManyStreamsAllGetTheirEvents() {
        List<WatchClient> clients = new ArrayList<>();
        try {
            for (int s = 0; s < 4; s++) {
                WatchClient c = new WatchClient(member.channel());
                clients.add(c);
                for (int i = 0; i < 5; i++) assertEquals(i, c.create(watchPrefix("many/")).getWatchId());
            }
            long rev = put("many/k", "v");
            for (WatchClient c : clients) {
                List<Long> ids = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    WatchResponse r = c.next();
                    assertEquals(rev, r.getEvents(0).getKv().getModRevision());
                    ids.add(r.getWatchId());
                }
                assertEquals(List.of(0L, 1L, 2L, 3L, 4L), ids.stream().sorted().toList());
            }
        } finally {
            clients.forEach(WatchClient::close);
        }
    }

    @Test
    void aSlowReaderNeitherBlocksWritesNorOtherWatchersAndCatchesUpFromTheStore() {
        int puts = 150;
        ByteString value = ByteString.copyFrom(new byte[100 * 1024]); // 15 MB in all: far beyond gRPC's windows
        try (WatchClient fast = new WatchClient(member.channel());
             WatchClient slow = new WatchClient(member.channel(), true)) {
            long fastId = fast.create(watchPrefix("slow/")).getWatchId();
            slow.request(1);
            long slowId = slow.create(watchPrefix("slow/")).getWatchId();
            long firstRev = 0;
            for (int i = 0; i < puts; i++) {
                long rev = put("slow/" + (i % 7), value); // the slow reader takes nothing meanwhile
                if (i == 0) firstRev = rev;
            }
            assertContiguous(fast.events(fastId, puts), firstRev, puts);
            assertTrue(slow.nothingWaiting(), "the slow reader took nothing yet");

            slow.request(Integer.MAX_VALUE);
            assertContiguous(slow.events(slowId, puts), firstRev, puts);
        }
    }

    /** Revisions first, first+1, ... in order: nothing missing, nothing repeated. */
    static void assertContiguous(List<Event> events, long first, int n) {
        assertEquals(n, events.size(), "event count");
        for (int i = 0; i < n; i++) {
            assertEquals(first + i, events.get(i).getKv().getModRevision(), "event " + i);
        }
    }
}
