package io.keel.server.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessSocketAddress;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Counts the client port's gRPC calls as etcd does (go-grpc-prometheus's server metrics, and etcd's client byte
 * counters): {@code grpc_server_started_total}, {@code grpc_server_handled_total} (with the status code),
 * {@code grpc_server_msg_received_total}, {@code grpc_server_msg_sent_total}, each labelled {@code grpc_type},
 * {@code grpc_service}, {@code grpc_method} as go-grpc-prometheus writes them, and
 * {@code etcd_network_client_grpc_received_bytes_total} / {@code _sent_bytes_total} (messages' encoded sizes).
 *
 * <p>{@link #count} wraps every method of a service with a handler that holds that method's series already resolved,
 * so a call costs a few counter increments and two small wrappers: no lookup by name. As go-grpc-prometheus does
 * for etcd, every method's series exist (at 0) from the start, one per status code for the handled counter.
 *
 * <p>A call is counted once: gateway calls arrive through the in-process server and are counted there (they never
 * cross the gRPC port); the calls the election and lock services make to KV, Lease and Watch on their callers'
 * behalf carry {@link #INTERNAL} and are not counted (etcd makes those in-process, past its interceptors).
 */
public final class GrpcCallMetrics {
    /** Marks a call this member makes to its own services in-process on a caller's behalf; honoured only there. */
    private static final Metadata.Key<String> INTERNAL_KEY = Metadata.Key.of("keel-internal-call",
            Metadata.ASCII_STRING_MARSHALLER);

    /** Adds {@link #INTERNAL_KEY} to the calls of a channel (the election and lock services' in-process one). */
    static final ClientInterceptor INTERNAL = new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, io.grpc.CallOptions options,
                                                     io.grpc.Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    headers.put(INTERNAL_KEY, "1");
                    super.start(listener, headers);
                }
            };
        }
    };

    /** Go's names of the status codes (codes.Code.String()), by the code's number. */
    private static final String[] CODE_NAMES = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
            "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
            "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"};

    private final Counter started;
    private final Counter handled;
    private final Counter received;
    private final Counter sent;
    private final CounterDataPoint receivedBytes;
    private final CounterDataPoint sentBytes;

    /** Registers the series in {@code registry} (once per registry). */
    public GrpcCallMetrics(PrometheusRegistry registry) {
        started = Counter.builder().name("grpc_server_started_total")
                .help("Total number of RPCs started on the server.")
                .labelNames("grpc_type", "grpc_service", "grpc_method").withoutExemplars().register(registry);
        handled = Counter.builder().name("grpc_server_handled_total")
                .help("Total number of RPCs completed on the server, regardless of success or failure.")
                .labelNames("grpc_type", "grpc_service", "grpc_method", "grpc_code").withoutExemplars()
                .register(registry);
        received = Counter.builder().name("grpc_server_msg_received_total")
                .help("Total number of RPC stream messages received on the server.")
                .labelNames("grpc_type", "grpc_service", "grpc_method").withoutExemplars().register(registry);
        sent = Counter.builder().name("grpc_server_msg_sent_total")
                .help("Total number of gRPC stream messages sent by the server.")
                .labelNames("grpc_type", "grpc_service", "grpc_method").withoutExemplars().register(registry);
        receivedBytes = Counter.builder().name("etcd_network_client_grpc_received_bytes_total")
                .help("The total number of bytes received from grpc clients.").withoutExemplars()
                .register(registry);
        sentBytes = Counter.builder().name("etcd_network_client_grpc_sent_bytes_total")
                .help("The total number of bytes sent to grpc clients.").withoutExemplars().register(registry);
    }

    /** {@code service} with every one of its calls counted. */
    public ServerServiceDefinition count(ServerServiceDefinition service) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.getServiceDescriptor());
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) b.addMethod(counted(m));
        return b.build();
    }

    private <Q, R> ServerMethodDefinition<Q, R> counted(ServerMethodDefinition<Q, R> m) {
        return m.withServerCallHandler(new CountingHandler<>(m.getServerCallHandler(),
                new MethodSeries(m.getMethodDescriptor())));
    }

    /** go-grpc-prometheus's grpc_type. */
    static String typeName(MethodDescriptor.MethodType type) {
        return switch (type) {
            case UNARY -> "unary";
            case CLIENT_STREAMING -> "client_stream";
            case SERVER_STREAMING -> "server_stream";
            case BIDI_STREAMING -> "bidi_stream";
            case UNKNOWN -> "unknown";
        };
    }

    /** One method's series, resolved once. */
    private final class MethodSeries {
        final CounterDataPoint started;
        final CounterDataPoint received;
        final CounterDataPoint sent;
        final CounterDataPoint[] handled = new CounterDataPoint[CODE_NAMES.length];

        MethodSeries(MethodDescriptor<?, ?> method) {
            String type = typeName(method.getType());
            String service = method.getServiceName();
            String name = method.getBareMethodName();
            this.started = GrpcCallMetrics.this.started.labelValues(type, service, name);
            this.received = GrpcCallMetrics.this.received.labelValues(type, service, name);
            this.sent = GrpcCallMetrics.this.sent.labelValues(type, service, name);
            for (int code = 0; code < CODE_NAMES.length; code++) {
                handled[code] = GrpcCallMetrics.this.handled.labelValues(type, service, name, CODE_NAMES[code]);
            }
        }
    }

    private final class CountingHandler<Q, R> implements ServerCallHandler<Q, R> {
        private final ServerCallHandler<Q, R> next;
        private final MethodSeries series;

        CountingHandler(ServerCallHandler<Q, R> next, MethodSeries series) {
            this.next = next;
            this.series = series;
        }

        @Override
        public ServerCall.Listener<Q> startCall(ServerCall<Q, R> call, Metadata headers) {
            if (headers.containsKey(INTERNAL_KEY)
                    && call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) instanceof InProcessSocketAddress) {
                return next.startCall(call, headers);
            }
            series.started.inc();
            CountedCall<Q, R> counted = new CountedCall<>(call, series);
            return new CountedListener<>(next.startCall(counted, headers), counted);
        }
    }

    /** Counts what the server sends, and the call's end (once, whichever comes first: close or cancel). */
    private final class CountedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private static final AtomicIntegerFieldUpdater<CountedCall> ENDED =
                AtomicIntegerFieldUpdater.newUpdater(CountedCall.class, "ended");
        private final MethodSeries series;
        private volatile int ended;

        CountedCall(ServerCall<Q, R> call, MethodSeries series) {
            super(call);
            this.series = series;
        }

        @Override
        public void sendMessage(R message) {
            series.sent.inc();
            if (message instanceof MessageLite m) sentBytes.inc(m.getSerializedSize());
            super.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            end(status.getCode());
            super.close(status, trailers);
        }

        void received(Q message) {
            series.received.inc();
            if (message instanceof MessageLite m) receivedBytes.inc(m.getSerializedSize());
        }

        /** Counted before the answer leaves, so a client that has its answer finds the call counted. */
        void end(Status.Code code) {
            if (ENDED.compareAndSet(this, 0, 1)) series.handled[code.value()].inc();
        }
    }

    private static final class CountedListener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final CountedCall<Q, ?> call;

        CountedListener(ServerCall.Listener<Q> listener, CountedCall<Q, ?> call) {
            super(listener);
            this.call = call;
        }

        @Override
        public void onMessage(Q message) {
            call.received(message);
            super.onMessage(message);
        }

        @Override
        public void onCancel() {
            // The client went away or the deadline passed: etcd's handler returns Canceled (a watch: "watch
            // canceled") or DeadlineExceeded then.
            io.grpc.Deadline deadline = Context.current().getDeadline();
            call.end(deadline != null && deadline.isExpired() ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED);
            super.onCancel();
        }
    }
}
