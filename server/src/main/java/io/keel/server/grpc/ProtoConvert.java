package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.ResponseHeader;
import io.keel.server.etcd.proto.ResponseOp;
import io.keel.storage.mvcc.CompactResponse;
import io.keel.storage.mvcc.DeleteRangeRequest;
import io.keel.storage.mvcc.DeleteRangeResponse;
import io.keel.storage.mvcc.EtcdError;
import io.keel.storage.mvcc.KeyValue;
import io.keel.storage.mvcc.MvccException;
import io.keel.storage.mvcc.PutRequest;
import io.keel.storage.mvcc.PutResponse;
import io.keel.storage.mvcc.RangeRequest;
import io.keel.storage.mvcc.RangeResponse;
import io.keel.storage.mvcc.Response;
import io.keel.storage.mvcc.TxnOp;
import io.keel.storage.mvcc.TxnRequest;
import io.keel.storage.mvcc.TxnResponse;

import java.util.ArrayList;
import java.util.List;

/** etcd's protobuf messages to and from the store's request and response types. */
final class ProtoConvert {
    private ProtoConvert() {
    }

    // ------------------------------------------------------------------ requests

    static RangeRequest range(io.keel.server.etcd.proto.RangeRequest r) {
        requireKey(r.getKey());
        return new RangeRequest(r.getKey().toByteArray(), r.getRangeEnd().toByteArray(), r.getLimit(),
                r.getRevision(), sortOrder(r.getSortOrder()), sortTarget(r.getSortTarget()), r.getKeysOnly(),
                r.getCountOnly(), r.getMinModRevision(), r.getMaxModRevision(), r.getMinCreateRevision(),
                r.getMaxCreateRevision());
    }

    static PutRequest put(io.keel.server.etcd.proto.PutRequest r) {
        requireKey(r.getKey());
        return new PutRequest(r.getKey().toByteArray(), r.getValue().toByteArray(), r.getLease(), r.getPrevKv(),
                r.getIgnoreValue(), r.getIgnoreLease());
    }

    static DeleteRangeRequest delete(io.keel.server.etcd.proto.DeleteRangeRequest r) {
        requireKey(r.getKey());
        return new DeleteRangeRequest(r.getKey().toByteArray(), r.getRangeEnd().toByteArray(), r.getPrevKv());
    }

    /** As etcd's checkTxnRequest: the longest list against the op limit, nested txns against what remains. */
    static TxnRequest txn(io.keel.server.etcd.proto.TxnRequest r, int maxTxnOps) {
        int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (opc > maxTxnOps) throw new EtcdStatus.Refused(io.grpc.Status.INVALID_ARGUMENT, EtcdStatus.TOO_MANY_OPS);
        List<io.keel.storage.mvcc.Compare> compares = new ArrayList<>(r.getCompareCount());
        for (Compare c : r.getCompareList()) {
            requireKey(c.getKey());
            compares.add(compare(c));
        }
        return new TxnRequest(compares, ops(r.getSuccessList(), maxTxnOps - opc),
                ops(r.getFailureList(), maxTxnOps - opc));
    }

    private static List<TxnOp> ops(List<RequestOp> ops, int maxTxnOps) {
        List<TxnOp> out = new ArrayList<>(ops.size());
        for (RequestOp op : ops) {
            out.add(switch (op.getRequestCase()) {
                case REQUEST_RANGE -> range(op.getRequestRange());
                case REQUEST_PUT -> put(op.getRequestPut());
                case REQUEST_DELETE_RANGE -> delete(op.getRequestDeleteRange());
                case REQUEST_TXN -> txn(op.getRequestTxn(), maxTxnOps);
                // etcd's checkRequestOp refuses an empty op this way.
                case REQUEST_NOT_SET -> throw new MvccException(EtcdError.KEY_NOT_FOUND);
            });
        }
        return out;
    }

    private static io.keel.storage.mvcc.Compare compare(Compare c) {
        // Like etcd: the number comes from the union member matching the target; any other member reads as zero.
        io.keel.storage.mvcc.Compare.Result result = switch (c.getResult()) {
            case EQUAL -> io.keel.storage.mvcc.Compare.Result.EQUAL;
            case GREATER -> io.keel.storage.mvcc.Compare.Result.GREATER;
            case LESS -> io.keel.storage.mvcc.Compare.Result.LESS;
            case NOT_EQUAL -> io.keel.storage.mvcc.Compare.Result.NOT_EQUAL;
            case UNRECOGNIZED -> throw unknownEnum("compare result");
        };
        io.keel.storage.mvcc.Compare.Target target;
        long number = 0;
        byte[] value = null;
        switch (c.getTarget()) {
            case VERSION -> {
                target = io.keel.storage.mvcc.Compare.Target.VERSION;
                number = c.getVersion();
            }
            case CREATE -> {
                target = io.keel.storage.mvcc.Compare.Target.CREATE;
                number = c.getCreateRevision();
            }
            case MOD -> {
                target = io.keel.storage.mvcc.Compare.Target.MOD;
                number = c.getModRevision();
            }
            case VALUE -> {
                target = io.keel.storage.mvcc.Compare.Target.VALUE;
                value = c.getValue().toByteArray();
            }
            case LEASE -> {
                target = io.keel.storage.mvcc.Compare.Target.LEASE;
                number = c.getLease();
            }
            default -> throw unknownEnum("compare target");
        }
        return new io.keel.storage.mvcc.Compare(result, target, c.getKey().toByteArray(),
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

    private static void requireKey(ByteString key) {
        if (key.isEmpty()) throw new MvccException(EtcdError.EMPTY_KEY);
    }

    private static EtcdStatus.Refused unknownEnum(String what) {
        return new EtcdStatus.Refused(io.grpc.Status.INVALID_ARGUMENT, "keel: unknown " + what);
    }

    // ------------------------------------------------------------------ responses

    static io.keel.server.etcd.proto.mvcc.KeyValue kv(KeyValue kv) {
        return io.keel.server.etcd.proto.mvcc.KeyValue.newBuilder()
                .setKey(bytes(kv.key()))
                .setCreateRevision(kv.createRevision())
                .setModRevision(kv.modRevision())
                .setVersion(kv.version())
                .setValue(bytes(kv.value()))
                .setLease(kv.lease())
                .build();
    }

    static io.keel.server.etcd.proto.RangeResponse range(RangeResponse r, ResponseHeader header) {
        var b = io.keel.server.etcd.proto.RangeResponse.newBuilder().setHeader(header).setMore(r.more())
                .setCount(r.count());
        for (KeyValue kv : r.kvs()) b.addKvs(kv(kv));
        return b.build();
    }

    static io.keel.server.etcd.proto.PutResponse put(PutResponse r, ResponseHeader header) {
        var b = io.keel.server.etcd.proto.PutResponse.newBuilder().setHeader(header);
        if (r.prevKv() != null) b.setPrevKv(kv(r.prevKv()));
        return b.build();
    }

    static io.keel.server.etcd.proto.DeleteRangeResponse delete(DeleteRangeResponse r, ResponseHeader header) {
        var b = io.keel.server.etcd.proto.DeleteRangeResponse.newBuilder().setHeader(header).setDeleted(r.deleted());
        for (KeyValue kv : r.prevKvs()) b.addPrevKvs(kv(kv));
        return b.build();
    }

    static io.keel.server.etcd.proto.TxnResponse txn(TxnResponse r, ResponseHeader header) {
        var b = io.keel.server.etcd.proto.TxnResponse.newBuilder().setHeader(header).setSucceeded(r.succeeded());
        for (Response inner : r.responses()) {
            // As etcd: the responses inside a txn carry a header with only their revision.
            ResponseHeader h = ResponseHeader.newBuilder().setRevision(inner.revision()).build();
            ResponseOp.Builder op = ResponseOp.newBuilder();
            if (inner instanceof RangeResponse x) op.setResponseRange(range(x, h));
            else if (inner instanceof PutResponse x) op.setResponsePut(put(x, h));
            else if (inner instanceof DeleteRangeResponse x) op.setResponseDeleteRange(delete(x, h));
            else if (inner instanceof TxnResponse x) op.setResponseTxn(txn(x, h));
            else throw new IllegalStateException("unexpected response in a txn: " + inner);
            b.addResponses(op);
        }
        return b.build();
    }

    static io.keel.server.etcd.proto.CompactionResponse compact(CompactResponse r, ResponseHeader header) {
        return io.keel.server.etcd.proto.CompactionResponse.newBuilder().setHeader(header).build();
    }

    /** The store's arrays are read-only by contract, so they are wrapped, not copied. */
    private static ByteString bytes(byte[] b) {
        return b.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(b);
    }
}
