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

/**
 * etcd's Lease service over {@link Keel}'s lease API. Grant, revoke and each keep-alive are Raft entries; a
 * keep-alive of a lease that does not exist answers TTL 0 and time-to-live of one answers TTL -1, as etcd does.
 * Time-to-live is answered by the leader (whose clock decides expiry).
 */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;

    LeaseService(Keel keel, EtcdGrpcServer.Headers headers) {
        this.keel = keel;
        this.headers = headers;
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            var r = keel.grantLease(request.getID(), request.getTTL());
            return LeaseGrantResponse.newBuilder().setHeader(headers.at(r.revision())).setID(r.id()).setTTL(r.ttl())
                    .build();
        });
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> LeaseRevokeResponse.newBuilder()
                .setHeader(headers.at(keel.revokeLease(request.getID()))).build());
    }

    /**
     * One answer per request, in order (gRPC delivers a stream's messages one at a time). A failure other than "no
     * such lease" ends the stream with etcd's status, as etcd does; the client opens a new one.
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> observer) {
        ServerCallStreamObserver<LeaseKeepAliveResponse> call =
                (ServerCallStreamObserver<LeaseKeepAliveResponse>) observer;
        return new StreamObserver<>() {
            private boolean failed;

            @Override
            public void onNext(LeaseKeepAliveRequest request) {
                if (failed || call.isCancelled()) return;
                long ttl;
                try {
                    ttl = keel.keepAliveOnce(request.getID());
                } catch (RuntimeException e) {
                    failed = true;
                    if (!call.isCancelled()) call.onError(EtcdStatus.of(e, keel.leaderId()));
                    return;
                }
                if (call.isCancelled()) return;
                call.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(headers.now()).setID(request.getID())
                        .setTTL(ttl).build());
            }

            @Override
            public void onError(Throwable t) {
                // The client went away; nothing to answer.
            }

            @Override
            public void onCompleted() {
                if (!failed && !call.isCancelled()) call.onCompleted();
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
