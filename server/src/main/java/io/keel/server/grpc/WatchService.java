package io.keel.server.grpc;

import com.google.protobuf.CodedOutputStream;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchGrpc;
import io.keel.server.etcd.proto.WatchRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.etcd.proto.mvcc.Event;
import io.keel.server.watch.WatchOptions;
import io.keel.server.watch.WatchSink;
import io.keel.server.watch.WatchStream;
import io.keel.server.watch.WatchUpdate;

import java.util.ArrayList;
import java.util.List;

/**
 * etcd's Watch service: each gRPC stream is one {@link WatchStream} of the member's watch hub. Responses are sent
 * only while gRPC says the client is ready (back-pressure: a slow client's watches stay behind and catch up from
 * the store), and requests are read only while few answers wait (inbound flow control).
 *
 * <p>As in etcd, a client's half-close does not end the stream: it ends when the client cancels it.
 */
final class WatchService extends WatchGrpc.WatchImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final int maxResponseBytes;
    private final LeaderLossMonitor leaderLoss;
    private final OpenStreams open;

    /**
     * @param maxResponseBytes a fragmenting watch splits responses at this size (etcd: --max-request-bytes)
     * @param leaderLoss       ends the streams opened with {@code hasleader: true} when the member loses its leader
     * @param open             ends every stream when the server stops
     */
    private final AuthGuard guard;

    WatchService(Keel keel, EtcdGrpcServer.Headers headers, int maxResponseBytes, LeaderLossMonitor leaderLoss,
                 OpenStreams open, AuthGuard guard) {
        this.guard = guard;
        this.keel = keel;
        this.headers = headers;
        this.maxResponseBytes = maxResponseBytes;
        this.leaderLoss = leaderLoss;
        this.open = open;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) responses;
        call.disableAutoRequest();
        WatchStream stream = keel.watchHub().open(new GrpcSink(call));
        Runnable unwatchLeader = Boolean.TRUE.equals(EtcdGrpcServer.REQUIRES_LEADER.get())
                ? leaderLoss.register(stream::end) : () -> { };
        Runnable untrack = open.register(stream::end);
        Runnable closed = () -> {
            stream.close();
            unwatchLeader.run();
            untrack.run();
        };
        call.setOnReadyHandler(stream::ready);
        call.setOnCancelHandler(closed);
        call.request(WatchStream.MAX_QUEUED_ANSWERS);
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchRequest r) {
                switch (r.getRequestUnionCase()) {
                    case CREATE_REQUEST -> {
                        String refusal = guard.watchRefusal(r.getCreateRequest());
                        if (refusal == null) stream.create(options(r.getCreateRequest()));
                        else stream.refuse(refusal);
                    }
                    case CANCEL_REQUEST -> stream.cancel(r.getCancelRequest().getWatchId());
                    case PROGRESS_REQUEST -> stream.requestProgress();
                    default -> stream.ignore();
                }
            }

            @Override
            public void onError(Throwable t) {
                closed.run();
            }

            @Override
            public void onCompleted() {
                // etcd goes on sending after the client's half-close; the stream ends when the client cancels it.
            }
        };
    }

    static WatchOptions options(WatchCreateRequest c) {
        boolean noPut = false;
        boolean noDelete = false;
        for (WatchCreateRequest.FilterType f : c.getFiltersList()) {
            if (f == WatchCreateRequest.FilterType.NOPUT) noPut = true;
            if (f == WatchCreateRequest.FilterType.NODELETE) noDelete = true;
        }
        return new WatchOptions(c.getKey().toByteArray(), c.getRangeEnd().toByteArray(), c.getStartRevision(),
                c.getPrevKv(), noPut, noDelete, c.getProgressNotify(), c.getFragment(), c.getWatchId());
    }

    /** Delivers a stream's updates as etcd's WatchResponses; called by one watch thread at a time. */
    private final class GrpcSink implements WatchSink {
        private final ServerCallStreamObserver<WatchResponse> call;

        GrpcSink(ServerCallStreamObserver<WatchResponse> call) {
            this.call = call;
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void send(WatchUpdate u) {
            if (call.isCancelled()) return;
            WatchResponse.Builder b = WatchResponse.newBuilder()
                    .setHeader(headers.at(u.revision()))
                    .setWatchId(u.watchId())
                    .setCreated(u.created())
                    .setCanceled(u.canceled())
                    .setCompactRevision(u.compactRevision())
                    .setCancelReason(u.cancelReason());
            List<Event> events = new ArrayList<>(u.events().size());
            for (io.keel.storage.mvcc.api.Event e : u.events()) events.add(event(e));
            if (u.fragmentable()) {
                for (WatchResponse r : fragments(b, events, maxResponseBytes)) call.onNext(r);
            } else {
                call.onNext(b.addAllEvents(events).build());
            }
        }

        @Override
        public void fail(RuntimeException cause) {
            if (!call.isCancelled()) call.onError(EtcdStatus.of(cause, keel.leaderId()));
        }

        @Override
        public void request(int n) {
            call.request(n);
        }
    }

    static Event event(io.keel.storage.mvcc.api.Event e) {
        Event.Builder b = Event.newBuilder()
                .setType(e.type() == io.keel.storage.mvcc.api.Event.Type.PUT ? Event.EventType.PUT
                        : Event.EventType.DELETE)
                .setKv(ProtoConvert.kv(e.kv()));
        if (e.prevKv() != null) b.setPrevKv(ProtoConvert.kv(e.prevKv()));
        return b.build();
    }

    /**
     * etcd's fragmenting: a response of at least {@code maxBytes} with more than one event is split into responses
     * under {@code maxBytes} (one event alone may exceed it), each but the last marked {@code fragment}.
     */
    static List<WatchResponse> fragments(WatchResponse.Builder base, List<Event> events, int maxBytes) {
        WatchResponse whole = base.clone().addAllEvents(events).build();
        if (events.size() < 2 || whole.getSerializedSize() < maxBytes) return List.of(whole);
        int baseSize = base.clone().setFragment(true).build().getSerializedSize();
        List<WatchResponse> out = new ArrayList<>();
        List<Event> part = new ArrayList<>();
        int size = baseSize;
        for (Event e : events) {
            int eventSize = CodedOutputStream.computeMessageSize(WatchResponse.EVENTS_FIELD_NUMBER, e);
            if (!part.isEmpty() && size + eventSize >= maxBytes) {
                out.add(base.clone().setFragment(true).addAllEvents(part).build());
                part = new ArrayList<>();
                size = baseSize;
            }
            part.add(e);
            size += eventSize;
        }
        out.add(base.clone().setFragment(false).addAllEvents(part).build());
        return out;
    }
}
