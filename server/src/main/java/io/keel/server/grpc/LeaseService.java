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
import java.util.concurrent.CompletableFuture;
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
     * One answer per request, in order: gRPC delivers a stream's messages one at a time, and the next is asked for
     * only once the previous one is answered. Nothing here blocks (issue 16: a keep-alive is answered from the
     * leader's memory): the handler runs on the connection's own thread, and a keep-alive the leader answers here is
     * answered there at once, with no thread hand-off; one forwarded to the leader is answered from the
     * {@code answers} thread when the leader's reply arrives. A failure other than "no such lease" ends the stream
     * with etcd's status, as etcd does; the client opens a new one. A stream opened with {@code hasleader: true} is also ended, with "no
     * leader", when the member loses its leader ({@link LeaderLossMonitor}); every use of the call holds one lock,
     * since that end comes from the monitor's thread.
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> observer) {
        ServerCallStreamObserver<LeaseKeepAliveResponse> call =
                (ServerCallStreamObserver<LeaseKeepAliveResponse>) observer;
        KeepAliveStream stream = new KeepAliveStream(call);
        call.disableAutoRequest();
        Runnable unwatchLeader = Boolean.TRUE.equals(EtcdGrpcServer.REQUIRES_LEADER.get())
                ? leaderLoss.register(stream::end) : () -> { };
        Runnable untrack = open.register(stream::end);
        stream.unwatchLeader = () -> {
            unwatchLeader.run();
            untrack.run();
        };
        call.setOnCancelHandler(stream.unwatchLeader);
        call.request(1);
        return stream;
    }

    private final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
        private final ServerCallStreamObserver<LeaseKeepAliveResponse> call;
        private volatile Runnable unwatchLeader = () -> { }; // set before the first message can arrive
        private boolean ended; // guarded by call
        /** A keep-alive is being answered; a half-close meanwhile ends the stream after its answer (etcd's order). */
        private boolean answering; // guarded by call
        private boolean halfClosed; // guarded by call

        KeepAliveStream(ServerCallStreamObserver<LeaseKeepAliveResponse> call) {
            this.call = call;
        }

        @Override
        public void onNext(LeaseKeepAliveRequest request) {
            CompletableFuture<Long> pending;
            synchronized (call) {
                answering = true;
            }
            try {
                EtcdGrpcServer.refuseWriteWithoutLeader(keel); // as etcd: refused at once without a leader
                pending = keel.keepAliveOnceAsync(request.getID());
            } catch (RuntimeException e) {
                end(e);
                return;
            }
            if (pending.isDone() && !pending.isCompletedExceptionally()) { // answered here at once (the leader)
                answer(request.getID(), pending.join());
                return;
            }
            // Never answered on the thread that completed it (the peer transport's or the apply thread).
            pending.whenCompleteAsync((ttl, failure) -> {
                if (failure != null) end(failure);
                else answer(request.getID(), ttl);
            }, pending.isDone() ? Runnable::run : answers);
        }

        private void answer(long id, long ttl) {
            synchronized (call) {
                answering = false;
                if (ended || call.isCancelled()) return;
                call.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(headers.now()).setID(id).setTTL(ttl)
                        .build());
                if (halfClosed) {
                    ended = true;
                    call.onCompleted();
                } else {
                    call.request(1);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            unwatchLeader.run(); // the client went away; nothing to answer
        }

        @Override
        public void onCompleted() {
            unwatchLeader.run();
            synchronized (call) {
                if (ended || call.isCancelled()) return;
                if (answering) {
                    halfClosed = true; // ended once that answer is sent
                    return;
                }
                ended = true;
                call.onCompleted();
            }
        }

        /** Ends the stream with etcd's status for {@code cause}, once. */
        void end(Throwable cause) {
            unwatchLeader.run();
            synchronized (call) {
                answering = false;
                if (ended || call.isCancelled()) return;
                ended = true;
                call.onError(EtcdStatus.of(cause, keel.leaderId()));
            }
        }
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
