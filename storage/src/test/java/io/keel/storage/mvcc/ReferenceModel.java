package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static io.keel.storage.mvcc.StoreDriver.s;

import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.api.TxnOp;
import io.keel.storage.mvcc.api.TxnRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * etcd's MVCC semantics written the simplest way, to check the store against: a full copy of the key space per
 * revision, string keys (ASCII, so String order is byte order), no leases. Reads the store's request objects but
 * shares none of its code.
 */
final class ReferenceModel {
    /** One change, as a watch would see it. */
    record Change(long revision, Event.Type type, KeyValue kv) {}

    /** What applying an entry did: refused with an error, or not, and which branch a transaction took. */
    record Outcome(EtcdError error, boolean succeeded, List<List<KeyValue>> ranges, long revision) {}

    /** states.get(r) is the key space at revision r; revision 1 is the empty store. */
    private final List<TreeMap<String, KeyValue>> states = new ArrayList<>(List.of(new TreeMap<>(), new TreeMap<>()));
    final List<Change> changes = new ArrayList<>();
    long compactRevision;

    long revision() {
        return states.size() - 1;
    }

    TreeMap<String, KeyValue> at(long revision) {
        return states.get((int) revision);
    }

    /** The keys of a range at a revision, or the error the store must give. */
    List<KeyValue> range(KeyRange range, long revision) {
        if (revision > revision()) {
            throw new MvccException(EtcdError.FUTURE_REVISION);
        }
        long rev = revision <= 0 ? revision() : revision;
        if (rev < compactRevision) {
            throw new RevisionCompactedException(compactRevision);
        }
        return matching(at(rev), range);
    }

    private static List<KeyValue> matching(Map<String, KeyValue> state, KeyRange range) {
        List<KeyValue> out = new ArrayList<>();
        for (KeyValue kv : state.values()) {
            if (range.contains(kv.key())) {
                out.add(kv);
            }
        }
        return out;
    }

    Outcome apply(Operation op) {
        if (op instanceof CompactRequest c) {
            if (c.revision() <= compactRevision) {
                return refused(EtcdError.COMPACTED);
            }
            if (c.revision() > revision()) {
                return refused(EtcdError.FUTURE_REVISION);
            }
            compactRevision = c.revision();
            return new Outcome(null, true, List.of(), revision());
        }
        TxnRequest t = op instanceof TxnRequest txn ? txn
                : new TxnRequest(List.of(), List.of((TxnOp) op), List.of());
        TreeMap<String, KeyValue> before = at(revision());
        boolean succeeded = true;
        for (Compare c : t.compare()) {
            succeeded &= holds(before, c);
        }
        List<TxnOp> ops = succeeded ? t.success() : t.failure();
        if (duplicateWrites(t.success()) || duplicateWrites(t.failure())) {
            return refused(EtcdError.DUPLICATE_KEY);
        }
        for (TxnOp o : ops) {
            if (o instanceof RangeRequest r && r.revision() != 0
                    && (r.revision() > revision() || r.revision() < compactRevision)) {
                return refused(r.revision() > revision() ? EtcdError.FUTURE_REVISION : EtcdError.COMPACTED);
            }
        }
        TreeMap<String, KeyValue> working = new TreeMap<>(before);
        long rev = revision() + 1;
        List<Change> made = new ArrayList<>();
        List<List<KeyValue>> ranges = new ArrayList<>();
        for (TxnOp o : ops) {
            if (o instanceof PutRequest p) {
                KeyValue prev = working.get(s(p.key()));
                KeyValue kv = new KeyValue(p.key(), prev == null ? rev : prev.createRevision(), rev,
                        prev == null ? 1 : prev.version() + 1, p.value(), 0);
                working.put(s(p.key()), kv);
                made.add(new Change(rev, Event.Type.PUT, kv));
            } else if (o instanceof DeleteRangeRequest d) {
                for (KeyValue kv : matching(working, d.range())) {
                    working.remove(s(kv.key()));
                    made.add(new Change(rev, Event.Type.DELETE, KeyValue.tombstone(kv.key(), rev)));
                }
            } else if (o instanceof RangeRequest r) {
                ranges.add(r.revision() == 0 || r.revision() == (made.isEmpty() ? revision() : rev)
                        ? matching(working, r.range()) : matching(at(r.revision()), r.range()));
            }
        }
        if (!made.isEmpty()) {
            states.add(working);
            changes.addAll(made);
        }
        return new Outcome(null, succeeded, ranges, revision());
    }

    private Outcome refused(EtcdError error) {
        return new Outcome(error, false, List.of(), revision());
    }

    private static boolean holds(Map<String, KeyValue> state, Compare c) {
        List<KeyValue> kvs = matching(state, c.range());
        if (kvs.isEmpty()) {
            if (c.target() == Compare.Target.VALUE) {
                return false;
            }
            kvs = List.of(new KeyValue(c.key(), 0, 0, 0, KeyValue.EMPTY, 0));
        }
        for (KeyValue kv : kvs) {
            int cmp = switch (c.target()) {
                case VALUE -> s(kv.value()).compareTo(s(c.value()));
                case VERSION -> Long.compare(kv.version(), c.number());
                case CREATE -> Long.compare(kv.createRevision(), c.number());
                case MOD -> Long.compare(kv.modRevision(), c.number());
                case LEASE -> Long.compare(kv.lease(), c.number());
            };
            boolean ok = switch (c.result()) {
                case EQUAL -> cmp == 0;
                case NOT_EQUAL -> cmp != 0;
                case GREATER -> cmp > 0;
                case LESS -> cmp < 0;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A key put twice, or put inside a range deleted, in one branch (the generator makes no nested txns). */
    private static boolean duplicateWrites(List<TxnOp> ops) {
        Set<String> puts = new HashSet<>();
        for (TxnOp o : ops) {
            if (o instanceof PutRequest p && !puts.add(s(p.key()))) {
                return true;
            }
        }
        for (TxnOp o : ops) {
            if (o instanceof DeleteRangeRequest d) {
                for (String k : puts) {
                    if (d.range().contains(b(k))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
