package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.DeleteRangeResponse;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnResponse;
import io.keel.server.etcd.proto.lock.LockGrpc;
import io.keel.server.etcd.proto.lock.LockRequest;
import io.keel.server.etcd.proto.lock.LockResponse;
import io.keel.server.etcd.proto.lock.UnlockRequest;
import io.keel.server.etcd.proto.lock.UnlockResponse;
import io.keel.server.etcd.proto.mvcc.KeyValue;

/**
 * etcd's Lock service (v3lockpb): a named lock held by the owner of the first-created key under {@code <name>/},
 * as etcd serves it from its client-side mutex recipe. The lock lives as long as the key: until Unlock or until the
 * owner's lease ends.
 */
final class LockService extends LockGrpc.LockImplBase {
    private final KeyQueue queue;

    LockService(io.grpc.Channel channel) {
        this.queue = new KeyQueue(channel);
    }

    @Override
    public void lock(LockRequest req, StreamObserver<LockResponse> out) {
        ElectionService.answer(out, () -> {
            long lease = queue.leaseOrNew(req.getLease());
            ByteString prefix = ElectionService.prefixOf(req.getName());
            ByteString key = KeyQueue.ownKey(prefix, lease);
            TxnResponse joined = queue.join(key, ByteString.EMPTY, lease,
                    RequestOp.newBuilder().setRequestRange(KeyQueue.firstCreated(prefix)).build());
            long rev = joined.getSucceeded() ? joined.getHeader().getRevision()
                    : joined.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
            var owners = joined.getResponses(1).getResponseRange().getKvsList();
            KeyValue owner = owners.isEmpty() ? null : owners.get(0);
            if (owner == null || owner.getCreateRevision() != rev) queue.waitOrLeave(prefix, rev - 1, key);
            return LockResponse.newBuilder().setHeader(joined.getHeader()).setKey(key).build();
        });
    }

    @Override
    public void unlock(UnlockRequest req, StreamObserver<UnlockResponse> out) {
        ElectionService.answer(out, () -> {
            DeleteRangeResponse d = queue.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(req.getKey())
                    .build());
            return UnlockResponse.newBuilder().setHeader(d.getHeader()).build();
        });
    }
}
