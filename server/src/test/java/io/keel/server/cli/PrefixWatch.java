package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchGrpc;
import io.keel.server.etcd.proto.WatchProgressRequest;
import io.keel.server.etcd.proto.WatchRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.etcd.proto.mvcc.Event;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One etcd watch of a key prefix on its own gRPC stream, recording every event it is given, in arrival order, and
 * how the stream ended. It never fails the test by itself: a test reads {@link #events}, {@link #failure} and
 * {@link #progressRevision} and decides (a stream that breaks when its member is killed is expected there).
 */
final class PrefixWatch implements AutoCloseable {
    private final List<Event> events = new ArrayList<>();
    private final String where;
    private volatile boolean created;
    private volatile Object end; // a Throwable, or "completed"
    private volatile String canceled;
    private volatile long progressRevision;
    private volatile ClientCallStreamObserver<WatchRequest> call;

    /** Opens the stream at {@code channel} ({@code where} names it in messages) and sends the create request. */
    PrefixWatch(Channel channel, String where, String prefix, long startRevision) {
        this.where = where;
        var requests = WatchGrpc.newStub(channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> c) {
                call = c;
            }

            @Override
            public void onNext(WatchResponse r) {
                if (r.getCreated()) created = true;
                if (r.getCanceled()) canceled = r.toString();
                synchronized (events) {
                    events.addAll(r.getEventsList());
                }
                // A progress response (watch id -1, no events) promises every change up to its header revision
                // was delivered to every watch of the stream.
                if (r.getWatchId() == -1 && r.getEventsCount() == 0 && !r.getCreated()) {
                    progressRevision = Math.max(progressRevision, r.getHeader().getRevision());
                }
            }

            @Override
            public void onError(Throwable t) {
                end = t;
            }

            @Override
            public void onCompleted() {
                end = "completed";
            }
        });
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(utf8(prefix)).setRangeEnd(prefixEnd(prefix)).setStartRevision(startRevision)).build());
    }

    /** Waits for the created answer; fails on a stream end or cancel first. */
    PrefixWatch awaitCreated() {
        Poll.until("the watch at " + where + " is created", ProcessCluster.DEADLINE, () -> {
            assertOpen();
            return created;
        });
        return this;
    }

    /** Asks for a progress response; {@link #progressRevision} rises when it comes. */
    void requestProgress() {
        call.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    }

    /** The highest revision a progress response promised everything up to (0: none yet). */
    long progressRevision() {
        return progressRevision;
    }

    /** A copy of the events so far. */
    List<Event> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    int count() {
        synchronized (events) {
            return events.size();
        }
    }

    /** The last event's revision, 0 before any. */
    long lastRevision() {
        synchronized (events) {
            return events.isEmpty() ? 0 : events.get(events.size() - 1).getKv().getModRevision();
        }
    }

    /** How the stream ended (a Throwable or "completed"), null while it is open. */
    Object end() {
        return end;
    }

    /** Polls until events through {@code revision} arrived; fails if the stream ends or the watch is canceled. */
    void awaitThrough(long revision, Duration deadline) {
        Poll.until("the watch at " + where + " delivers revision " + revision, deadline, () -> {
            if (lastRevision() >= revision) return true;
            assertOpen();
            return false;
        });
    }

    /** Fails if the stream ended or the watch was canceled. */
    void assertOpen() {
        if (end instanceof Throwable t) throw new AssertionError("the watch stream at " + where + " failed", t);
        if (end != null) throw new AssertionError("the watch stream at " + where + " ended: " + end);
        if (canceled != null) throw new AssertionError("the watch at " + where + " was canceled: " + canceled);
    }

    @Override
    public void close() {
        if (call != null) call.cancel("test done", null);
    }

    /** An event as text for comparing histories: type, revision, key, value, version. */
    static String describe(Event e) {
        return e.getType() + "@" + e.getKv().getModRevision() + " " + e.getKv().getKey().toStringUtf8() + "="
                + e.getKv().getValue().toStringUtf8() + " v" + e.getKv().getVersion();
    }

    static ByteString utf8(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    /** etcd's range end for a prefix: the prefix with its last byte plus one. */
    static ByteString prefixEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        b[b.length - 1]++;
        return ByteString.copyFrom(b);
    }
}
