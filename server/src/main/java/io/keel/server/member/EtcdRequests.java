package io.keel.server.member;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.keel.server.InvalidRequestException;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.CompactionRequest;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.TxnOp;
import io.keel.storage.mvcc.api.TxnRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * The one converter from etcd's request messages (etcdserverpb) to the store's request records, used where a
 * request arrives (checks before proposing, serializable and read-only requests answered at once) and where its
 * Raft entry applies (an entry carries the etcd message itself, see {@link OperationCodec}).
 *
 * <p>Two kinds of method: {@code checked*} refuse what etcd refuses before proposing (typed: {@link MvccException}
 * with etcd's error, {@link InvalidRequestException}); the plain ones convert without judging, for the apply path,
 * where every member must turn the same committed bytes into the same operation and must not stop on a request the
 * receiving member already let through. Also the reverse ({@link #toEtcd}), for writes made through the embedded
 * Java API, so a Raft entry always carries the same kind of message.
 */
public final class EtcdRequests {
    private EtcdRequests() {
    }

    // ------------------------------------------------------------------ checked, where a request arrives

    /** etcd's checkPutRequest: a key is required. */
    public static void checkPut(io.keel.server.etcd.proto.PutRequest r) {
        requireKey(r.getKey());
    }

    /** etcd's checkDeleteRequest: a key is required. */
    public static void checkDelete(io.keel.server.etcd.proto.DeleteRangeRequest r) {
        requireKey(r.getKey());
    }

    /** etcd's checkRangeRequest: a key is required; sort enums must be known. */
    public static RangeRequest checkedRange(io.keel.server.etcd.proto.RangeRequest r) {
        requireKey(r.getKey());
        return range(r);
    }

    /**
     * etcd's checkTxnRequest: the longest of the three lists against the op limit, nested transactions against
     * what remains of it, a key in every compare and operation, no empty operation.
     */
    public static TxnRequest checkedTxn(io.keel.server.etcd.proto.TxnRequest r, int maxTxnOps) {
        int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (opc > maxTxnOps) {
            throw new InvalidRequestException(InvalidRequestException.Reason.TOO_MANY_TXN_OPS,
                    "etcdserver: too many operations in txn request");
        }
        for (Compare c : r.getCompareList()) requireKey(c.getKey());
        checkOps(r.getSuccessList(), maxTxnOps - opc);
        checkOps(r.getFailureList(), maxTxnOps - opc);
        return txn(r);
    }

    private static void checkOps(List<RequestOp> ops, int maxTxnOps) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> requireKey(op.getRequestRange().getKey());
                case REQUEST_PUT -> requireKey(op.getRequestPut().getKey());
                case REQUEST_DELETE_RANGE -> requireKey(op.getRequestDeleteRange().getKey());
                case REQUEST_TXN -> checkedTxn(op.getRequestTxn(), maxTxnOps);
                // etcd's checkRequestOp refuses an empty op this way.
                case REQUEST_NOT_SET -> throw new MvccException(EtcdError.KEY_NOT_FOUND);
            }
        }
    }

    private static void requireKey(ByteString key) {
        if (key.isEmpty()) throw new MvccException(EtcdError.EMPTY_KEY);
    }

    // ------------------------------------------------------------------ plain conversion (also the apply path)

    public static PutRequest put(io.keel.server.etcd.proto.PutRequest r) {
        return new PutRequest(r.getKey().toByteArray(), r.getValue().toByteArray(), r.getLease(), r.getPrevKv(),
                r.getIgnoreValue(), r.getIgnoreLease());
    }

    public static DeleteRangeRequest delete(io.keel.server.etcd.proto.DeleteRangeRequest r) {
        return new DeleteRangeRequest(r.getKey().toByteArray(), r.getRangeEnd().toByteArray(), r.getPrevKv());
    }

    public static CompactRequest compact(CompactionRequest r) {
        return new CompactRequest(r.getRevision());
    }

    public static RangeRequest range(io.keel.server.etcd.proto.RangeRequest r) {
        return new RangeRequest(r.getKey().toByteArray(), r.getRangeEnd().toByteArray(), r.getLimit(),
                r.getRevision(), sortOrder(r.getSortOrder()), sortTarget(r.getSortTarget()), r.getKeysOnly(),
                r.getCountOnly(), r.getMinModRevision(), r.getMaxModRevision(), r.getMinCreateRevision(),
                r.getMaxCreateRevision());
    }

    public static TxnRequest txn(io.keel.server.etcd.proto.TxnRequest r) {
        List<io.keel.storage.mvcc.api.Compare> compares = new ArrayList<>(r.getCompareCount());
        for (Compare c : r.getCompareList()) compares.add(compare(c));
        return new TxnRequest(compares, ops(r.getSuccessList()), ops(r.getFailureList()));
    }

    private static List<TxnOp> ops(List<RequestOp> ops) {
        List<TxnOp> out = new ArrayList<>(ops.size());
        for (RequestOp op : ops) {
            out.add(switch (op.getRequestCase()) {
                case REQUEST_RANGE -> range(op.getRequestRange());
                case REQUEST_PUT -> put(op.getRequestPut());
                case REQUEST_DELETE_RANGE -> delete(op.getRequestDeleteRange());
                case REQUEST_TXN -> txn(op.getRequestTxn());
                // Refused where it arrived (checkedTxn); never proposed.
                case REQUEST_NOT_SET -> throw new IllegalStateException("a txn holds an empty operation");
            });
        }
        return out;
    }

    private static io.keel.storage.mvcc.api.Compare compare(Compare c) {
        // Like etcd: the number comes from the union member matching the target; any other member reads as zero.
        io.keel.storage.mvcc.api.Compare.Result result = switch (c.getResult()) {
            case EQUAL -> io.keel.storage.mvcc.api.Compare.Result.EQUAL;
            case GREATER -> io.keel.storage.mvcc.api.Compare.Result.GREATER;
            case LESS -> io.keel.storage.mvcc.api.Compare.Result.LESS;
            case NOT_EQUAL -> io.keel.storage.mvcc.api.Compare.Result.NOT_EQUAL;
            case UNRECOGNIZED -> throw unknownEnum("compare result");
        };
        io.keel.storage.mvcc.api.Compare.Target target;
        long number = 0;
        byte[] value = null;
        switch (c.getTarget()) {
            case VERSION -> {
                target = io.keel.storage.mvcc.api.Compare.Target.VERSION;
                number = c.getVersion();
            }
            case CREATE -> {
                target = io.keel.storage.mvcc.api.Compare.Target.CREATE;
                number = c.getCreateRevision();
            }
            case MOD -> {
                target = io.keel.storage.mvcc.api.Compare.Target.MOD;
                number = c.getModRevision();
            }
            case VALUE -> {
                target = io.keel.storage.mvcc.api.Compare.Target.VALUE;
                value = c.getValue().toByteArray();
            }
            case LEASE -> {
                target = io.keel.storage.mvcc.api.Compare.Target.LEASE;
                number = c.getLease();
            }
            default -> throw unknownEnum("compare target");
        }
        return new io.keel.storage.mvcc.api.Compare(result, target, c.getKey().toByteArray(),
                c.getRangeEnd().toByteArray(), number, value);
    }

    private static RangeRequest.SortOrder sortOrder(io.keel.server.etcd.proto.RangeRequest.SortOrder o) {
        return switch (o) {
            case NONE -> RangeRequest.SortOrder.NONE;
            case ASCEND -> RangeRequest.SortOrder.ASCEND;
            case DESCEND -> RangeRequest.SortOrder.DESCEND;
            case UNRECOGNIZED -> throw unknownEnum("sort order");
        };
    }

    private static RangeRequest.SortTarget sortTarget(io.keel.server.etcd.proto.RangeRequest.SortTarget t) {
        return switch (t) {
            case KEY -> RangeRequest.SortTarget.KEY;
            case VERSION -> RangeRequest.SortTarget.VERSION;
            case CREATE -> RangeRequest.SortTarget.CREATE;
            case MOD -> RangeRequest.SortTarget.MOD;
            case VALUE -> RangeRequest.SortTarget.VALUE;
            case UNRECOGNIZED -> throw unknownEnum("sort target");
        };
    }

    private static InvalidRequestException unknownEnum(String what) {
        return new InvalidRequestException(InvalidRequestException.Reason.UNKNOWN_ENUM, "keel: unknown " + what);
    }

    // ------------------------------------------------------------------ the store's records as etcd's messages

    /** A put made through the embedded API, as the message an etcd client would have sent. */
    public static io.keel.server.etcd.proto.PutRequest toEtcd(PutRequest p) {
        return io.keel.server.etcd.proto.PutRequest.newBuilder().setKey(bytes(p.key())).setValue(bytes(p.value()))
                .setLease(p.lease()).setPrevKv(p.prevKv()).setIgnoreValue(p.ignoreValue())
                .setIgnoreLease(p.ignoreLease()).build();
    }

    public static io.keel.server.etcd.proto.DeleteRangeRequest toEtcd(DeleteRangeRequest d) {
        return io.keel.server.etcd.proto.DeleteRangeRequest.newBuilder().setKey(bytes(d.key()))
                .setRangeEnd(bytes(d.rangeEnd())).setPrevKv(d.prevKv()).build();
    }

    public static io.keel.server.etcd.proto.RangeRequest toEtcd(RangeRequest r) {
        return io.keel.server.etcd.proto.RangeRequest.newBuilder().setKey(bytes(r.key()))
                .setRangeEnd(bytes(r.rangeEnd())).setLimit(r.limit()).setRevision(r.revision())
                .setSortOrder(io.keel.server.etcd.proto.RangeRequest.SortOrder.valueOf(r.sortOrder().name()))
                .setSortTarget(io.keel.server.etcd.proto.RangeRequest.SortTarget.valueOf(r.sortTarget().name()))
                .setKeysOnly(r.keysOnly()).setCountOnly(r.countOnly()).setMinModRevision(r.minModRevision())
                .setMaxModRevision(r.maxModRevision()).setMinCreateRevision(r.minCreateRevision())
                .setMaxCreateRevision(r.maxCreateRevision()).build();
    }

    public static io.keel.server.etcd.proto.TxnRequest toEtcd(TxnRequest t) {
        io.keel.server.etcd.proto.TxnRequest.Builder b = io.keel.server.etcd.proto.TxnRequest.newBuilder();
        for (io.keel.storage.mvcc.api.Compare c : t.compare()) b.addCompare(toEtcd(c));
        for (TxnOp op : t.success()) b.addSuccess(toEtcd(op));
        for (TxnOp op : t.failure()) b.addFailure(toEtcd(op));
        return b.build();
    }

    public static CompactionRequest toEtcd(CompactRequest c) {
        return CompactionRequest.newBuilder().setRevision(c.revision()).build();
    }

    private static RequestOp toEtcd(TxnOp op) {
        RequestOp.Builder b = RequestOp.newBuilder();
        if (op instanceof RangeRequest r) b.setRequestRange(toEtcd(r));
        else if (op instanceof PutRequest p) b.setRequestPut(toEtcd(p));
        else if (op instanceof DeleteRangeRequest d) b.setRequestDeleteRange(toEtcd(d));
        else if (op instanceof TxnRequest t) b.setRequestTxn(toEtcd(t));
        else throw new IllegalArgumentException("not a txn operation: " + op);
        return b.build();
    }

    private static Compare toEtcd(io.keel.storage.mvcc.api.Compare c) {
        Compare.Builder b = Compare.newBuilder()
                .setResult(Compare.CompareResult.valueOf(c.result().name()))
                .setTarget(Compare.CompareTarget.valueOf(c.target().name()))
                .setKey(bytes(c.key())).setRangeEnd(bytes(c.rangeEnd()));
        switch (c.target()) {
            case VERSION -> b.setVersion(c.number());
            case CREATE -> b.setCreateRevision(c.number());
            case MOD -> b.setModRevision(c.number());
            case LEASE -> b.setLease(c.number());
            case VALUE -> b.setValue(bytes(c.value()));
        }
        return b.build();
    }

    /** The store's records are not changed after they are made (their arrays are read-only by contract). */
    private static ByteString bytes(byte[] b) {
        return b == null || b.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(b);
    }
}
