package io.keel.storage.mvcc;

import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.DeleteRangeResponse;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.TxnOp;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Drives a store the way the Raft apply loop does: one entry after the other, with string conveniences. */
final class StoreDriver implements AutoCloseable {
    final Path dir;
    final MvccOptions options;
    MvccStore store;
    long index;

    StoreDriver(Path dir) {
        this(dir, MvccOptions.defaults());
    }

    StoreDriver(Path dir, MvccOptions options) {
        this.dir = dir;
        this.options = options;
        this.store = MvccStore.open(dir, options);
        this.index = store.appliedIndex();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static List<String> keys(List<KeyValue> kvs) {
        List<String> out = new ArrayList<>();
        kvs.forEach(kv -> out.add(s(kv.key())));
        return out;
    }

    /** The next entry; it counts as applied even when the store refuses the operation. */
    Response apply(Operation op) {
        return store.apply(++index, op);
    }

    /** Consecutive entries in one synced write. */
    List<ApplyResult> applyAll(List<? extends Operation> ops) {
        List<ApplyResult> results = store.applyAll(index + 1, ops);
        index += ops.size();
        return results;
    }

    PutResponse put(String key, String value) {
        return (PutResponse) apply(PutRequest.of(b(key), b(value)));
    }

    PutResponse put(String key, String value, long lease) {
        return (PutResponse) apply(PutRequest.of(b(key), b(value)).withLease(lease));
    }

    DeleteRangeResponse delete(String key) {
        return (DeleteRangeResponse) apply(DeleteRangeRequest.key(b(key)));
    }

    DeleteRangeResponse deleteRange(String key, String end) {
        return (DeleteRangeResponse) apply(DeleteRangeRequest.of(new KeyRange(b(key), b(end))));
    }

    TxnResponse txn(List<Compare> compare, List<TxnOp> success, List<TxnOp> failure) {
        return (TxnResponse) apply(new TxnRequest(compare, success, failure));
    }

    long grant(long id, long ttl) {
        return ((LeaseGrantResponse) apply(new LeaseGrantRequest(id, ttl))).id();
    }

    void revoke(long id) {
        apply(new LeaseRevokeRequest(id));
    }

    void compact(long revision) {
        apply(new CompactRequest(revision));
    }

    RangeResponse range(RangeRequest r) {
        return store.range(r);
    }

    /** The live version of a key, or null. */
    KeyValue get(String key) {
        return only(store.range(RangeRequest.key(b(key))).kvs());
    }

    KeyValue getAt(String key, long revision) {
        return only(store.range(RangeRequest.key(b(key)).atRevision(revision)).kvs());
    }

    List<KeyValue> all() {
        return store.range(RangeRequest.of(KeyRange.atLeast(new byte[] {0}))).kvs();
    }

    void reopen() {
        store.close();
        store = MvccStore.open(dir, options);
        index = store.appliedIndex();
    }

    @Override
    public void close() {
        store.close();
    }

    private static KeyValue only(List<KeyValue> kvs) {
        if (kvs.size() > 1) {
            throw new AssertionError("more than one kv: " + kvs);
        }
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    static KeyValue kv(String key, long create, long mod, long version, String value, long lease) {
        return new KeyValue(b(key), create, mod, version, b(value), lease);
    }

    static boolean sameKey(KeyValue kv, String key) {
        return Arrays.equals(kv.key(), b(key));
    }
}
