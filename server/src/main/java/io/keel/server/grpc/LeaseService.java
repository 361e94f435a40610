package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.LeaseGrantRequest;
import io.keel.server.etcd.proto.LeaseGrantResponse;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.LeaseKeepAliveRequest;
import io.keel.server.etcd.proto.LeaseKeepAliveResponse;
import io.keel.server.etcd.proto.LeaseLeasesRequest;
import io.keel.server.etcd.proto.LeaseLeasesResponse;
import io.keel.server.etcd.proto.LeaseRevokeRequest;
import io.keel.server.etcd.proto.LeaseRevokeResponse;
import io.keel.server.etcd.proto.LeaseStatus;
import io.keel.server.etcd.proto.LeaseTimeToLiveRequest;
import io.keel.server.etcd.proto.LeaseTimeToLiveResponse;

import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * etcd's Lease service over {@link Keel}'s lease API. Grant and revoke are Raft entries; a keep-alive is answered
 * by the leader from memory (forwarded there by a follower, outside the log); a keep-alive of a lease that does not
 * exist answers TTL 0 and time-to-live of one answers TTL -1, as etcd does. Time-to-live is answered by the leader
 * (whose clock decides expiry), at any member.
 */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final LeaderLossMonitor leaderLoss;
    private final OpenStreams open;

    private final AuthGuard guard;
    private final Executor answers;

    /**
     * {@code open} ends every keep-alive stream when the server stops; {@code guard} checks the caller's rights;
     * {@code answers} sends the keep-alive answers that complete on another member's behalf (forwarded ones).
     */
    LeaseService(Keel keel, EtcdGrpcServer.Headers headers, LeaderLossMonitor leaderLoss, OpenStreams open,
                 AuthGuard guard, Executor answers) {
        this.guard = guard;
        this.answers = answers;
        this.keel = keel;
        this.headers = headers;
        this.leaderLoss = leaderLoss;
        this.open = open;
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            EtcdGrpcServer.refuseWriteWithoutLeader(keel);
            var r = keel.grantLease(request.getID(), request.getTTL());
            return LeaseGrantResponse.newBuilder().setHeader(headers.at(r.revision())).setID(r.id()).setTTL(r.ttl())
                    .build();
        });
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            guard.leaseRevoke(request.getID());
            EtcdGrpcServer.refuseWriteWithoutLeader(keel);
            return LeaseRevokeResponse.newBuilder().setHeader(headers.at(keel.revokeLease(request.getID()))).build();
        });
    }

    /**
     * One answer per request, in order ({@link KeepAliveStream}, which reads up to {@link KeepAliveStream#IN_FLIGHT}
     * requests ahead of its answers). Nothing here blocks (issue 16: a keep-alive is answered from the leader's
     * memory): the handler runs on the connection's own thread, and a keep-alive the leader answers here is answered
     * there at once, with no thread hand-off; those forwarded to the leader are answered on the stream's event loop
     * when the leader's reply arrives (one task there for all the answers that arrived together). A stream opened
     * with {@code hasleader: true} is also ended, with "no leader", when the member loses its leader
     * ({@link LeaderLossMonitor}).
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> observer) {
        ServerCallStreamObserver<LeaseKeepAliveResponse> call =
                (ServerCallStreamObserver<LeaseKeepAliveResponse>) observer;
        KeepAliveStream stream = new KeepAliveStream(keel, headers, call, ownEventLoopOr(answers));
        Runnable unwatchLeader = Boolean.TRUE.equals(EtcdGrpcServer.REQUIRES_LEADER.get())
                ? leaderLoss.register(stream::end) : () -> { };
        Runnable untrack = open.register(stream::end);
        stream.unwatchLeader = () -> {
            unwatchLeader.run();
            untrack.run();
        };
        call.setOnCancelHandler(stream.unwatchLeader);
        stream.start();
        return stream;
    }

    /**
     * The event loop of the connection this handler runs on (keep-alive handlers run on it: see EtcdGrpcServer's call
     * executor), else {@code fallback} (a call that did not come over a network connection, e.g. in-process).
     * Answering a forwarded keep-alive there costs one task on that loop; from the shared answering thread it cost
     * that thread's wake-up plus two tasks on the loop (the write and the next request), and thread wake-ups were
     * the largest self cost of a follower's gRPC and answering threads in issue 16's profile. Netty's own map of its
     * threads to their loops: the stream's loop is not otherwise reachable through gRPC's API.
     */
    private static Executor ownEventLoopOr(Executor fallback) {
        Executor loop = io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        Executor to = loop != null ? loop : fallback;
        return task -> {
            try {
                to.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // The server is stopping: its streams end with it, and the completing thread (the peer transport's)
                // must go on with the other answers of its batch.
            }
        };
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            Optional<io.keel.server.lease.LeaseStatus> status = keel.timeToLive(request.getID(), request.getKeys());
            LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder().setHeader(headers.now())
                    .setID(request.getID());
            if (status.isEmpty()) return b.setTTL(-1).build();
            b.setTTL(status.get().ttl()).setGrantedTTL(status.get().grantedTtl());
            for (byte[] key : status.get().keys()) b.addKeys(ByteString.copyFrom(key));
            return b.build();
        });
    }

    @Override
    public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder().setHeader(headers.now());
            for (long id : keel.leases()) b.addLeases(LeaseStatus.newBuilder().setID(id));
            return b.build();
        });
    }
}
