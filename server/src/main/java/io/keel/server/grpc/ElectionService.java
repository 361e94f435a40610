package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeResponse;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.ResponseHeader;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.TxnResponse;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchGrpc;
import io.keel.server.etcd.proto.WatchRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.etcd.proto.election.CampaignRequest;
import io.keel.server.etcd.proto.election.CampaignResponse;
import io.keel.server.etcd.proto.election.ElectionGrpc;
import io.keel.server.etcd.proto.election.LeaderKey;
import io.keel.server.etcd.proto.election.LeaderRequest;
import io.keel.server.etcd.proto.election.LeaderResponse;
import io.keel.server.etcd.proto.election.ProclaimRequest;
import io.keel.server.etcd.proto.election.ProclaimResponse;
import io.keel.server.etcd.proto.election.ResignRequest;
import io.keel.server.etcd.proto.election.ResignResponse;
import io.keel.server.etcd.proto.mvcc.KeyValue;

/**
 * etcd's Election service (v3electionpb): leader election on a name, as etcd serves it from its client-side recipe.
 * The leader is the campaigner whose key under {@code <name>/} was created first; its value is the proclamation.
 * {@code etcdctl elect} and jetcd's Election client use it; etcd's error texts ("election: not leader", "election:
 * no leader", "\"leader\" field must be provided").
 */
final class ElectionService extends ElectionGrpc.ElectionImplBase {
    static final String NOT_LEADER = "election: not leader";
    static final String NO_LEADER = "election: no leader";
    static final String MISSING_LEADER_KEY = "\"leader\" field must be provided";

    private final KeyQueue queue;
    private final io.grpc.Channel channel;

    ElectionService(io.grpc.Channel channel) {
        this.channel = channel;
        this.queue = new KeyQueue(channel);
    }

    @Override
    public void campaign(CampaignRequest req, StreamObserver<CampaignResponse> out) {
        answer(out, () -> {
            long lease = queue.leaseOrNew(req.getLease());
            ByteString prefix = prefixOf(req.getName());
            ByteString key = KeyQueue.ownKey(prefix, lease);
            TxnResponse joined = queue.join(key, req.getValue(), lease, null);
            long rev = joined.getHeader().getRevision();
            ResponseHeader header = joined.getHeader();
            if (!joined.getSucceeded()) {
                // Already campaigning on this lease (a retry): keep our place, and post the new value.
                KeyValue mine = joined.getResponses(0).getResponseRange().getKvs(0);
                rev = mine.getCreateRevision();
                if (!mine.getValue().equals(req.getValue())) header = proclaim(key, rev, lease, req.getValue());
            }
            queue.waitOrLeave(prefix, rev - 1, key);
            return CampaignResponse.newBuilder().setHeader(header).setLeader(LeaderKey.newBuilder()
                    .setName(req.getName()).setKey(key).setRev(rev).setLease(lease)).build();
        });
    }

    @Override
    public void proclaim(ProclaimRequest req, StreamObserver<ProclaimResponse> out) {
        answer(out, () -> {
            if (!req.hasLeader()) throw Status.UNKNOWN.withDescription(MISSING_LEADER_KEY).asRuntimeException();
            LeaderKey l = req.getLeader();
            return ProclaimResponse.newBuilder().setHeader(proclaim(l.getKey(), l.getRev(), l.getLease(),
                    req.getValue())).build();
        });
    }

    @Override
    public void leader(LeaderRequest req, StreamObserver<LeaderResponse> out) {
        answer(out, () -> {
            RangeResponse r = queue.kv().range(KeyQueue.firstCreated(prefixOf(req.getName())));
            if (r.getKvsCount() == 0) throw Status.UNKNOWN.withDescription(NO_LEADER).asRuntimeException();
            return LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(r.getKvs(0)).build();
        });
    }

    @Override
    public void resign(ResignRequest req, StreamObserver<ResignResponse> out) {
        answer(out, () -> {
            if (!req.hasLeader()) throw Status.UNKNOWN.withDescription(MISSING_LEADER_KEY).asRuntimeException();
            LeaderKey l = req.getLeader();
            // Deletes the key only while it is still this leader's (etcd: resigning a lost election is no error).
            TxnResponse t = queue.kv().txn(TxnRequest.newBuilder().addCompare(isStill(l.getKey(), l.getRev()))
                    .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                            .setKey(l.getKey()))).build());
            return ResignResponse.newBuilder().setHeader(t.getHeader()).build();
        });
    }

    /**
     * Every proclamation of the election in order: the current leader's value, then each new value or new leader.
     * It watches the election's keys and, after each change, sends the leader's key if it differs from the last sent.
     */
    @Override
    public void observe(LeaderRequest req, StreamObserver<LeaderResponse> out) {
        ServerCallStreamObserver<LeaderResponse> call = (ServerCallStreamObserver<LeaderResponse>) out;
        ByteString prefix = prefixOf(req.getName());
        Object lock = new Object();
        KeyValue[] last = {null};
        Runnable sendLeader = () -> {
            try {
                RangeResponse r = queue.kv().range(KeyQueue.firstCreated(prefix));
                synchronized (lock) {
                    if (r.getKvsCount() == 0 || call.isCancelled()) return;
                    KeyValue kv = r.getKvs(0);
                    if (last[0] != null && last[0].getKey().equals(kv.getKey())
                            && last[0].getModRevision() >= kv.getModRevision()) {
                        return;
                    }
                    last[0] = kv;
                    out.onNext(LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(kv).build());
                }
            } catch (StatusRuntimeException e) {
                if (!call.isCancelled()) out.onError(e);
            }
        };
        StreamObserver<WatchRequest> watch = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                if (r.getCreated() || r.getEventsCount() > 0) sendLeader.run();
            }

            @Override
            public void onError(Throwable t) {
                if (!call.isCancelled()) out.onError(Status.fromThrowable(t).asRuntimeException());
            }

            @Override
            public void onCompleted() {
                if (!call.isCancelled()) out.onCompleted();
            }
        });
        call.setOnCancelHandler(() -> watch.onError(Status.CANCELLED.withDescription("observer left")
                .asRuntimeException()));
        watch.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(prefix)
                .setRangeEnd(KeyQueue.prefixEnd(prefix))).build());
    }

    private ResponseHeader proclaim(ByteString key, long rev, long lease, ByteString value) {
        TxnResponse t = queue.kv().txn(TxnRequest.newBuilder().addCompare(isStill(key, rev))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value)
                        .setLease(lease))).build());
        if (!t.getSucceeded()) throw Status.UNKNOWN.withDescription(NOT_LEADER).asRuntimeException();
        return t.getHeader();
    }

    private static Compare isStill(ByteString key, long createRevision) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(createRevision).build();
    }

    static ByteString prefixOf(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    /** Runs a blocking recipe step on this call's thread and answers with its result or its gRPC error. */
    static <T> void answer(StreamObserver<T> out, java.util.function.Supplier<T> step) {
        T result;
        try {
            result = step.get();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }
}
