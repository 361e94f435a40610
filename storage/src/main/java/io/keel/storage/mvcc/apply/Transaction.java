package io.keel.storage.mvcc.apply;

import io.keel.storage.mvcc.StoreCounters;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.TxnOp;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import io.keel.storage.mvcc.read.RangeQuery;
import io.keel.storage.mvcc.read.RevisionReader;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One etcd transaction, as etcd 3.4's applier runs it: first every compare on the path taken (nested ones too)
 * is evaluated against the state before the transaction; then the puts and ranges of that path are checked
 * against it (missing keys for ignore_*, unknown leases, compacted or future revisions), so a transaction that
 * would fail half way fails before writing; then the ops run in order, each seeing the writes before it.
 */
public final class Transaction {
    private final Applier applier;
    private final RevisionReader before;
    /** Which branch each (nested) transaction takes. Identity: the same request object decides the same way. */
    private final Map<TxnRequest, Boolean> branch = new IdentityHashMap<>();
    /** Counts ranges as etcd does: each compare evaluated and each range run. */
    private final StoreCounters.Tally tally;

    Transaction(Applier applier, RevisionReader before) {
        this(applier, before, applier.tally);
    }

    private Transaction(Applier applier, RevisionReader before, StoreCounters.Tally tally) {
        this.applier = applier;
        this.before = before;
        this.tally = tally;
    }

    TxnResponse run(RevisionWriter w, TxnRequest t) {
        decide(t);
        if (!t.isReadOnly()) {
            checkPuts(t);
        }
        checkRanges(t);
        return execute(w, t);
    }

    /** Runs a read-only transaction against {@code reader}, which is never written. */
    public static TxnResponse read(RevisionReader reader, TxnRequest t, StoreCounters.Tally tally) {
        if (!t.isReadOnly()) {
            throw new IllegalArgumentException("a transaction that writes must be applied through Raft");
        }
        Transaction txn = new Transaction(null, reader, tally);
        txn.decide(t);
        txn.checkRanges(t);
        return txn.executeReads(t);
    }

    private List<TxnOp> taken(TxnRequest t) {
        return branch.get(t) ? t.success() : t.failure();
    }

    private void decide(TxnRequest t) {
        branch.put(t, allHold(t.compare()));
        for (TxnOp op : taken(t)) {
            if (op instanceof TxnRequest nested) {
                decide(nested);
            }
        }
    }

    /** {@link Compares#allHold}, counting each compare evaluated as a range (etcd reads each one as one). */
    private boolean allHold(List<Compare> compares) {
        for (Compare c : compares) {
            tally.rangeServed();
            if (!Compares.holds(before, c)) {
                return false;
            }
        }
        return true;
    }

    private void checkPuts(TxnRequest t) {
        for (TxnOp op : taken(t)) {
            if (op instanceof TxnRequest nested) {
                checkPuts(nested);
            } else if (op instanceof PutRequest p) {
                if ((p.ignoreValue() || p.ignoreLease()) && before.currentWithoutValue(p.key()) == null) {
                    throw new MvccException(EtcdError.KEY_NOT_FOUND);
                }
                applier.requireLease(p.lease());
            }
        }
    }

    private void checkRanges(TxnRequest t) {
        for (TxnOp op : taken(t)) {
            if (op instanceof TxnRequest nested) {
                checkRanges(nested);
            } else if (op instanceof RangeRequest r && r.revision() != 0) {
                before.resolve(r.revision());
            }
        }
    }

    private TxnResponse execute(RevisionWriter w, TxnRequest t) {
        List<TxnOp> ops = taken(t);
        List<Response> responses = new ArrayList<>(ops.size());
        for (TxnOp op : ops) {
            if (op instanceof RangeRequest r) {
                tally.rangeServed();
                responses.add(RangeQuery.execute(applier.reader(w), r));
            } else if (op instanceof PutRequest p) {
                responses.add(applier.put(w, p));
            } else if (op instanceof DeleteRangeRequest d) {
                responses.add(applier.deleteRange(w, d));
            } else if (op instanceof TxnRequest nested) {
                responses.add(execute(w, nested));
            }
        }
        return new TxnResponse(w.currentRevision(), branch.get(t), responses);
    }

    private TxnResponse executeReads(TxnRequest t) {
        List<TxnOp> ops = taken(t);
        List<Response> responses = new ArrayList<>(ops.size());
        for (TxnOp op : ops) {
            if (op instanceof RangeRequest r) {
                tally.rangeServed();
                responses.add(RangeQuery.execute(before, r));
            } else if (op instanceof TxnRequest nested) {
                responses.add(executeReads(nested));
            }
        }
        return new TxnResponse(before.currentRevision(), branch.get(t), responses);
    }
}
