package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.kv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.DeleteRangeResponse;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.TxnResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcd's revision rules: one revision per write, create/mod/version per key, generations across deletes. */
class RevisionsTest extends OpenStoreTest {
    @Test
    void anEmptyStoreIsAtRevision1AndTheFirstWriteMakesRevision2() {
        assertEquals(1, s.store.revision());
        assertEquals(1, s.range(RangeRequest.key(b("a"))).revision());
        assertEquals(2, s.put("a", "1").revision());
        assertEquals(2, s.store.revision());
    }

    @Test
    void putsKeepTheCreateRevisionMoveTheModRevisionAndCountVersions() {
        s.put("a", "1");
        s.put("a", "2");
        s.put("b", "x");
        s.put("a", "2");
        assertEquals(kv("a", 2, 5, 3, "2", 0), s.get("a"));
        assertEquals(kv("b", 4, 4, 1, "x", 0), s.get("b"));
        assertEquals(5, s.store.revision());
    }

    @Test
    void aDeleteIsATombstoneAndRecreatingTheKeyStartsANewGeneration() {
        s.put("a", "1");
        s.put("a", "2");
        DeleteRangeResponse d = s.delete("a");
        assertEquals(1, d.deleted());
        assertEquals(4, d.revision());
        assertNull(s.get("a"));
        s.put("a", "3");
        assertEquals(kv("a", 5, 5, 1, "3", 0), s.get("a"));
        // History still answers for each generation.
        assertEquals(kv("a", 2, 3, 2, "2", 0), s.getAt("a", 3));
        assertNull(s.getAt("a", 4));
        assertEquals(kv("a", 2, 2, 1, "1", 0), s.getAt("a", 2));
        assertNull(s.getAt("a", 1));
    }

    @Test
    void deletingNothingWritesNothingAndKeepsTheRevision() {
        s.put("a", "1");
        DeleteRangeResponse d = s.delete("zzz");
        assertEquals(0, d.deleted());
        assertEquals(2, d.revision());
        assertEquals(2, s.store.revision());
        assertEquals(0, s.store.changesSince(3, b("a"), new byte[] {0}).events().size());
    }

    @Test
    void everyWriteOfOneTransactionSharesItsRevisionWithSubRevisionsInOrder() {
        s.put("c", "0");
        TxnResponse t = s.txn(List.of(), List.of(PutRequest.of(b("a"), b("1")), PutRequest.of(b("b"), b("2")),
                DeleteRangeRequest.key(b("c"))), List.of());
        assertEquals(3, t.revision());
        assertEquals(3, s.store.revision());
        assertEquals(3, s.get("a").modRevision());
        assertEquals(3, s.get("b").modRevision());
        List<Event> events = s.store.changesSince(3, b("a"), new byte[] {0}).events();
        assertEquals(List.of("a", "b", "c"), StoreDriver.keys(events.stream().map(Event::kv).toList()));
        assertEquals(List.of(Event.Type.PUT, Event.Type.PUT, Event.Type.DELETE),
                events.stream().map(Event::type).toList());
    }

    @Test
    void theHeaderRevisionIsTheCurrentOneEvenForAPastRead() {
        s.put("a", "1");
        s.put("a", "2");
        RangeResponse r = s.range(RangeRequest.key(b("a")).atRevision(2));
        assertEquals(3, r.revision());
        assertEquals("1", StoreDriver.s(r.kvs().get(0).value()));
    }

    @Test
    void revisionsSurviveARestart() {
        s.put("a", "1");
        s.delete("a");
        s.put("a", "2");
        s.reopen();
        assertEquals(4, s.store.revision());
        assertEquals(3, s.store.appliedIndex());
        assertEquals(kv("a", 4, 4, 1, "2", 0), s.get("a"));
        assertEquals(kv("a", 4, 5, 2, "3", 0), kvAfterPut("a", "3"));
    }

    private KeyValue kvAfterPut(String k, String v) {
        s.put(k, v);
        return s.get(k);
    }
}
