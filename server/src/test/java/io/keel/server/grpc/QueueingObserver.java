package io.keel.server.grpc;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The receiving side of a gRPC stream in a test: each response, the error that ends the stream, or "completed",
 * queued in arrival order for the test to take. {@code Q} is the stream's request type; a subclass may take the call
 * in {@link #beforeStart} (for manual flow control).
 */
public class QueueingObserver<Q, T> implements ClientResponseObserver<Q, T> {
    private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();

    @Override
    public void beforeStart(ClientCallStreamObserver<Q> call) {
    }

    @Override
    public void onNext(T value) {
        received.add(value);
    }

    @Override
    public void onError(Throwable t) {
        received.add(t);
    }

    @Override
    public void onCompleted() {
        received.add("completed");
    }

    public boolean isEmpty() {
        return received.isEmpty();
    }

    /** The next thing received, or null if nothing came within {@code seconds}. */
    public Object poll(long seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }
}
