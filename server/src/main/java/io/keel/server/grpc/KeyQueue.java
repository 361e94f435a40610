package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.LeaseGrantRequest;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.TxnResponse;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchGrpc;
import io.keel.server.etcd.proto.WatchRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.etcd.proto.mvcc.Event;
import io.keel.server.etcd.proto.mvcc.KeyValue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * etcd's client-side election and lock recipe (clientv3/concurrency), run inside the member for etcd's Election and
 * Lock services: each contender owns the key {@code <prefix>/<lease in hex>} on its lease; the contender whose key
 * has the lowest create revision holds the election or lock; the others wait, each for the deletion of the key
 * created just before its own (no herd when a holder leaves). It calls the member's own KV, Lease and Watch services
 * through {@code channel}, so it sees exactly what a client sees.
 */
final class KeyQueue {
    /** etcd's session TTL when a campaign or lock names no lease (concurrency.NewSession's default). */
    static final long DEFAULT_SESSION_TTL_SECONDS = 60;

    private final Channel channel;

    KeyQueue(Channel channel) {
        this.channel = channel;
    }

    KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(channel);
    }

    /** The caller's lease, or a new one of etcd's session TTL when none is given (as concurrency.NewSession). */
    long leaseOrNew(long lease) {
        if (lease != 0) return lease;
        return LeaseGrpc.newBlockingStub(channel).leaseGrant(LeaseGrantRequest.newBuilder()
                .setTTL(DEFAULT_SESSION_TTL_SECONDS).build()).getID();
    }

    static ByteString ownKey(ByteString prefix, long lease) {
        return prefix.concat(ByteString.copyFromUtf8(Long.toHexString(lease)));
    }

    /** Puts {@code key} (if this lease does not own it yet), returning the transaction; its revision is our place. */
    TxnResponse join(ByteString key, ByteString value, long lease, RequestOp alsoRead) {
        TxnRequest.Builder t = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value)
                        .setLease(lease)))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)));
        if (alsoRead != null) {
            t.addSuccess(alsoRead);
            t.addFailure(alsoRead);
        }
        return kv().txn(t.build());
    }

    /** The key of the prefix with the lowest create revision (the holder), or null. */
    KeyValue first(ByteString prefix) {
        RangeResponse r = kv().range(firstCreated(prefix));
        return r.getKvsCount() == 0 ? null : r.getKvs(0);
    }

    static RangeRequest firstCreated(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND).build();
    }

    /**
     * Waits for our turn; a contender that gives up (its call cancelled or failed) deletes its key, as etcd's recipe
     * does, so that it does not hold the election or lock it no longer waits for.
     */
    void waitOrLeave(ByteString prefix, long maxCreateRevision, ByteString ownKey) {
        try {
            waitDeletes(prefix, maxCreateRevision);
        } catch (StatusRuntimeException e) {
            try {
                Context.current().fork().run(() -> delete(ownKey)); // the caller's context may be cancelled
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Waits until no key of the prefix was created at or before {@code maxCreateRevision} (etcd's waitDeletes). */
    void waitDeletes(ByteString prefix, long maxCreateRevision) {
        while (true) {
            RangeResponse r = kv().range(RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
                    .setMaxCreateRevision(maxCreateRevision).setLimit(1)
                    .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
                    .build());
            if (r.getKvsCount() == 0) return;
            waitDelete(r.getKvs(0).getKey(), r.getHeader().getRevision());
        }
    }

    /** Waits for {@code key}'s deletion after {@code revision}, or until the caller's call is cancelled. */
    private void waitDelete(ByteString key, long revision) {
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        StreamObserver<WatchRequest> watch = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                for (Event e : r.getEventsList()) {
                    if (e.getType() == Event.EventType.DELETE) deleted.complete(null);
                }
                if (r.getCanceled() || r.getCompactRevision() != 0) deleted.complete(null); // re-check from a range
            }

            @Override
            public void onError(Throwable t) {
                deleted.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                deleted.complete(null);
            }
        });
        Context.CancellationListener onCancel = c -> deleted.completeExceptionally(
                Status.CANCELLED.withDescription("the caller cancelled").asRuntimeException());
        Context.current().addListener(onCancel, Runnable::run);
        try {
            watch.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(key)
                    .setStartRevision(revision + 1)).build());
            deleted.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        } catch (ExecutionException e) {
            throw Status.fromThrowable(e.getCause()).asRuntimeException();
        } finally {
            Context.current().removeListener(onCancel);
            watch.onError(Status.CANCELLED.withDescription("done waiting").asRuntimeException());
        }
    }

    void delete(ByteString key) {
        kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
    }

    /** The end of a prefix range: the prefix with its last byte below 0xff incremented (etcd's GetPrefixRangeEnd). */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0}); // all 0xff: every key after it
    }
}
