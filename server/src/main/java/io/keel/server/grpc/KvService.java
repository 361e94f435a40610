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
import io.keel.server.member.ClientWrite;
import io.keel.server.member.EtcdRequests;
import io.keel.server.member.RequestDeadline;

import java.util.concurrent.Executor;

/**
 * etcd's KV service. Range is linearizable unless the request asks for serializable; writes (and transactions
 * that write) go through Raft; a transaction that only reads is answered linearizably without a Raft entry.
 * Handlers never block a thread: each starts its request and answers when the member completes it.
 */
final class KvService extends KVGrpc.KVImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final Executor refusals;
    private final int maxRequestBytes;
    private final int maxTxnOps;
    private final AuthGuard guard;

    KvService(Keel keel, EtcdGrpcServer.Headers headers, Executor refusals, int maxRequestBytes, int maxTxnOps,
              AuthGuard guard) {
        this.keel = keel;
        this.guard = guard;
        this.headers = headers;
        this.refusals = refusals;
        this.maxRequestBytes = maxRequestBytes;
        this.maxTxnOps = maxTxnOps;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        EtcdGrpcServer.answerWhereCompleted(keel, observer, refusals, () -> {
            RequestDeadline deadline = CallDeadline.current(keel.requestTimeout());
            return guard.afterCheck(request.getSerializable(), s -> guard.range(s, request),
                    () -> keel.rangeAsync(EtcdRequests.checkedRange(request), request.getSerializable(), deadline));
        }, r -> ProtoConvert.range(r, headers.at(r.revision())));
    }

    // Writes: the client's message is checked and encoded once (ClientWrite), and goes into the Raft entry as it
    // is; the call's deadline (CallDeadline) is the request's one deadline, read here, on the call's thread.

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        EtcdGrpcServer.answerWhereCompleted(keel, observer, refusals, () -> {
            RequestDeadline deadline = CallDeadline.current(keel.requestTimeout());
            checkSize(request.getSerializedSize());
            EtcdGrpcServer.refuseWriteWithoutLeader(keel); // at once, not after the auth state's read
            ClientWrite write = ClientWrite.put(request);
            return guard.afterCheck(false, s -> guard.put(s, request), () -> {
                EtcdGrpcServer.refuseWriteWithoutLeader(keel);
                return keel.writeAsync(write, deadline);
            });
        }, r -> {
            var put = (io.keel.storage.mvcc.api.PutResponse) r;
            return ProtoConvert.put(put, headers.at(put.revision()));
        });
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        EtcdGrpcServer.answerWhereCompleted(keel, observer, refusals, () -> {
            RequestDeadline deadline = CallDeadline.current(keel.requestTimeout());
            checkSize(request.getSerializedSize());
            EtcdGrpcServer.refuseWriteWithoutLeader(keel);
            ClientWrite write = ClientWrite.delete(request);
            return guard.afterCheck(false, s -> guard.deleteRange(s, request), () -> {
                EtcdGrpcServer.refuseWriteWithoutLeader(keel);
                return keel.writeAsync(write, deadline);
            });
        }, r -> {
            var deleted = (io.keel.storage.mvcc.api.DeleteRangeResponse) r;
            return ProtoConvert.delete(deleted, headers.at(deleted.revision()));
        });
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        EtcdGrpcServer.answerWhereCompleted(keel, observer, refusals, () -> {
            RequestDeadline deadline = CallDeadline.current(keel.requestTimeout());
            checkSize(request.getSerializedSize());
            var txn = EtcdRequests.checkedTxn(request, maxTxnOps);
            if (!txn.isReadOnly()) EtcdGrpcServer.refuseWriteWithoutLeader(keel);
            // A read-only txn is answered without Raft, so it needs no entry.
            ClientWrite write = txn.isReadOnly() ? null : ClientWrite.txn(request, txn);
            return guard.afterCheck(false, s -> guard.txn(s, request), () -> {
                if (!txn.isReadOnly()) EtcdGrpcServer.refuseWriteWithoutLeader(keel);
                return keel.txnAsync(txn, write, deadline);
            });
        }, r -> ProtoConvert.txn(r, headers.at(r.revision())));
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
        // `physical` is accepted; Keel answers once the compaction has applied to the store.
        EtcdGrpcServer.answerWhereCompleted(keel, observer, refusals,
                () -> {
                    RequestDeadline deadline = CallDeadline.current(keel.requestTimeout());
                    EtcdGrpcServer.refuseWriteWithoutLeader(keel);
                    return keel.writeAsync(ClientWrite.compaction(request), deadline);
                }, r -> {
                    var compacted = (io.keel.storage.mvcc.api.CompactResponse) r;
                    return ProtoConvert.compact(compacted, headers.at(compacted.revision()));
                });
    }

    private void checkSize(int bytes) {
        if (bytes > maxRequestBytes) throw new EtcdStatus.Refused(Status.INVALID_ARGUMENT, EtcdStatus.TOO_LARGE);
    }
}
