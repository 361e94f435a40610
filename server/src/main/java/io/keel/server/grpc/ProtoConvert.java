package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.keel.server.etcd.proto.ResponseHeader;
import io.keel.server.etcd.proto.ResponseOp;
import io.keel.storage.mvcc.api.CompactResponse;
import io.keel.storage.mvcc.api.DeleteRangeResponse;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.TxnResponse;


/** The store's responses as etcd's protobuf messages (requests: {@link io.keel.server.member.EtcdRequests}). */
final class ProtoConvert {
    private ProtoConvert() {
    }

    // Requests: member.EtcdRequests, the one converter the apply path uses too.

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
