package io.keel.server.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.CompactionRequest;
import io.keel.server.etcd.proto.CompactionResponse;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.DeleteRangeResponse;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.PutResponse;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.TxnResponse;
import io.keel.storage.mvcc.CompactRequest;

/**
 * etcd's KV service. Range is linearizable unless the request asks for serializable; writes (and transactions
 * that write) go through Raft; a transaction that only reads is answered linearizably without a Raft entry.
 */
final class KvService extends KVGrpc.KVImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final int maxRequestBytes;
    private final int maxTxnOps;

    KvService(Keel keel, EtcdGrpcServer.Headers headers, int maxRequestBytes, int maxTxnOps) {
        this.keel = keel;
        this.headers = headers;
        this.maxRequestBytes = maxRequestBytes;
        this.maxTxnOps = maxTxnOps;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            var r = keel.range(ProtoConvert.range(request), request.getSerializable());
            return ProtoConvert.range(r, headers.at(r.revision()));
        });
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            checkSize(request.getSerializedSize());
            var r = (io.keel.storage.mvcc.PutResponse) keel.write(ProtoConvert.put(request));
            return ProtoConvert.put(r, headers.at(r.revision()));
        });
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            checkSize(request.getSerializedSize());
            var r = (io.keel.storage.mvcc.DeleteRangeResponse) keel.write(ProtoConvert.delete(request));
            return ProtoConvert.delete(r, headers.at(r.revision()));
        });
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            checkSize(request.getSerializedSize());
            var r = keel.txn(ProtoConvert.txn(request, maxTxnOps));
            return ProtoConvert.txn(r, headers.at(r.revision()));
        });
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
        // `physical` is accepted; Keel answers once the compaction has applied to the store.
        EtcdGrpcServer.answer(keel, observer, () -> {
            var r = (io.keel.storage.mvcc.CompactResponse) keel.write(new CompactRequest(request.getRevision()));
            return ProtoConvert.compact(r, headers.at(r.revision()));
        });
    }

    private void checkSize(int bytes) {
        if (bytes > maxRequestBytes) throw new EtcdStatus.Refused(Status.INVALID_ARGUMENT, EtcdStatus.TOO_LARGE);
    }
}
