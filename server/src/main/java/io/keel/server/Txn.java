package io.keel.server;

import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.TxnOp;
import io.keel.storage.mvcc.api.TxnRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small builder over the store's transaction types:
 * {@code Txn.when(Txn.valueIs("k", "v")).then(Txn.put("k", "w")).otherwise(Txn.get("k"))}.
 * All compares are checked against the state before the transaction; every write of it shares one revision.
 */
public final class Txn {
    private final List<Compare> compares = new ArrayList<>();
    private final List<TxnOp> success = new ArrayList<>();
    private final List<TxnOp> failure = new ArrayList<>();

    private Txn() {
    }

    /** Starts a transaction whose compares must all hold for {@link #then} to run (none: always). */
    public static Txn when(Compare... compares) {
        Txn t = new Txn();
        t.compares.addAll(List.of(compares));
        return t;
    }

    /** Operations (puts, deletes, gets) run when every compare holds. */
    public Txn then(TxnOp... ops) {
        success.addAll(List.of(ops));
        return this;
    }

    /** Operations run when some compare does not hold. */
    public Txn otherwise(TxnOp... ops) {
        failure.addAll(List.of(ops));
        return this;
    }

    /** The store's request, for {@link Keel#txn(TxnRequest)} or {@link Keel#txnAsync}. */
    public TxnRequest request() {
        return new TxnRequest(compares, success, failure);
    }

    // Shorthands for UTF-8 keys and values.

    /** True when the key exists with this value. */
    public static Compare valueIs(String key, String value) {
        return Compare.value(utf8(key), Compare.Result.EQUAL, utf8(value));
    }

    /** True when the key does not exist (its version is 0). */
    public static Compare absent(String key) {
        return Compare.version(utf8(key), Compare.Result.EQUAL, 0);
    }

    /** True when the key was last modified at {@code revision} (compare-and-swap on a version read earlier). */
    public static Compare modRevisionIs(String key, long revision) {
        return Compare.modRevision(utf8(key), Compare.Result.EQUAL, revision);
    }

    /** A put, as an operation of the transaction. */
    public static PutRequest put(String key, String value) {
        return PutRequest.of(utf8(key), utf8(value));
    }

    /** A delete of one key, as an operation of the transaction. */
    public static DeleteRangeRequest delete(String key) {
        return DeleteRangeRequest.key(utf8(key));
    }

    /** A read of one key, as an operation of the transaction (its result is in the response). */
    public static RangeRequest get(String key) {
        return RangeRequest.key(utf8(key));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
