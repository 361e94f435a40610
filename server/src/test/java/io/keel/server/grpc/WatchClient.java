package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.WatchCancelRequest;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchGrpc;
import io.keel.server.etcd.proto.WatchProgressRequest;
import io.keel.server.etcd.proto.WatchRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.etcd.proto.mvcc.Event;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One etcd watch stream from a generated stub. Responses queue up as they arrive; with {@code manualFlow} the client
 * takes a response from gRPC only when {@link #request} is called, which makes it a slow reader.
 */
final class WatchClient implements AutoCloseable {
    static final long DEADLINE_SECONDS = 30;

    private final QueueingObserver<WatchRequest, WatchResponse> received;
    private final StreamObserver<WatchRequest> requests;
    private volatile ClientCallStreamObserver<WatchRequest> call;

    WatchClient(Channel channel) {
        this(channel, false);
    }

    WatchClient(Channel channel, boolean manualFlow) {
        this.received = new QueueingObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> c) {
                call = c;
                if (manualFlow) c.disableAutoRequestWithInitial(0);
            }
        };
        this.requests = WatchGrpc.newStub(channel).watch(received);
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    void send(WatchCreateRequest.Builder create) {
        synchronized (requests) {
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
        }
    }

    /** Creates a watch and returns the created response. */
    WatchResponse create(WatchCreateRequest.Builder create) {
        send(create);
        WatchResponse r = next();
        if (!r.getCreated()) fail("expected a created response, got " + r);
        return r;
    }

    void cancel(long watchId) {
        synchronized (requests) {
            requests.onNext(WatchRequest.newBuilder()
                    .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(watchId)).build());
        }
    }

    void requestProgress() {
        synchronized (requests) {
            requests.onNext(WatchRequest.newBuilder()
                    .setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
        }
    }

    /** Lets gRPC deliver {@code n} more responses (manual flow only). */
    void request(int n) {
        call.request(n);
    }

    /** The next response; fails the test on a stream error or after the deadline. */
    WatchResponse next() {
        Object o;
        try {
            o = received.poll(DEADLINE_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertNotNull(o, "no watch response within " + DEADLINE_SECONDS + " s");
        if (o instanceof WatchResponse r) return r;
        if (o instanceof Throwable t) throw new AssertionError("the watch stream failed", t);
        throw new AssertionError("the watch stream " + o);
    }

    /** The next stream-level outcome that is not a response: an error (or "completed"). */
    Object nextRaw() throws InterruptedException {
        Object o = received.poll(DEADLINE_SECONDS);
        assertNotNull(o, "nothing within " + DEADLINE_SECONDS + " s");
        return o;
    }

    /** Responses until one matches {@code last} (included). */
    List<WatchResponse> until(Predicate<WatchResponse> last) {
        List<WatchResponse> out = new ArrayList<>();
        while (true) {
            WatchResponse r = next();
            out.add(r);
            if (last.test(r)) return out;
        }
    }

    /** Events of {@code watchId} until {@code n} have arrived (other watches' responses are kept aside). */
    List<Event> events(long watchId, int n) {
        List<Event> out = new ArrayList<>();
        while (out.size() < n) {
            WatchResponse r = next();
            if (r.getWatchId() != watchId) fail("a response for another watch: " + r);
            if (r.getCanceled()) fail("canceled: " + r);
            out.addAll(r.getEventsList());
        }
        return out;
    }

    boolean nothingWaiting() {
        return received.isEmpty();
    }

    @Override
    public void close() {
        call.cancel("test done", null);
    }
}
