package io.keel.server;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.LeaseKeepAliveRequest;
import io.keel.server.etcd.proto.LeaseKeepAliveResponse;
import io.keel.server.grpc.QueueingObserver;

/**
 * A client's burst on one keep-alive stream, for the tests of keep-alive streams: every request written at once
 * (as etcd's clientv3 sends every lease of a stream that is due together), then the stream half-closed.
 */
final class KeepAliveBurst {
    private KeepAliveBurst() {
    }

    /**
     * Opens a keep-alive stream on {@code channel}, sends a keep-alive of each of {@code leaseIds} in order and
     * half-closes; returns what the server sends, in order: each {@link LeaseKeepAliveResponse}, then
     * {@code "completed"} or the failure that ended the stream.
     */
    static QueueingObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> send(ManagedChannel channel,
                                                                               long... leaseIds) {
        QueueingObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> answers = new QueueingObserver<>();
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(channel).leaseKeepAlive(answers);
        for (long id : leaseIds) requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        requests.onCompleted();
        return answers;
    }
}
