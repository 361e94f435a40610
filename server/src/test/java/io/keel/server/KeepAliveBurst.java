package io.keel.server;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.LeaseKeepAliveRequest;
import io.keel.server.etcd.proto.LeaseKeepAliveResponse;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

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
    static BlockingQueue<Object> send(ManagedChannel channel, long... leaseIds) {
        BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(channel).leaseKeepAlive(
                new StreamObserver<>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answers.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        answers.add("completed");
                    }
                });
        for (long id : leaseIds) requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        requests.onCompleted();
        return answers;
    }
}
