package io.keel.benchmarks.load;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.KVGrpc;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs one load: {@code clients} concurrent clients, each with exactly one request in flight, spread over the
 * channels (client i uses channel i mod channels). There is no thread per client: a client sends its first
 * request, and each response's callback records the latency and sends that client's next request, so a thousand
 * clients cost a thousand small objects. A client stops when {@code total} requests have been started (all clients
 * together) or when {@code duration} has passed since the start; the load ends when every client has stopped.
 * A failed request is counted by its gRPC status and the client goes on with its next request.
 */
final class LoadRun {
    private final List<ManagedChannel> channels;
    private final Workload workload;
    private final int clients;
    private final long total;
    private final long durationNanos;
    private final Duration requestTimeout;

    private final AtomicLong started = new AtomicLong();
    private final LongAdder ok = new LongAdder();
    private final Map<Status.Code, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<Status.Code, String> firstErrorText = new ConcurrentHashMap<>();
    private final Recorder latencies = new Recorder(3);
    private CountDownLatch stopped;
    private long deadlineNanos;

    /**
     * @param total    requests to send (all clients together); {@code Long.MAX_VALUE} for no bound
     * @param duration how long to keep sending; {@code null} for no bound
     */
    LoadRun(List<ManagedChannel> channels, Workload workload, int clients, long total, Duration duration,
            Duration requestTimeout) {
        if (channels.isEmpty()) throw new IllegalArgumentException("no channel");
        if (clients < 1) throw new IllegalArgumentException("--clients must be at least 1");
        if (total < 1) throw new IllegalArgumentException("--total must be at least 1");
        if (total == Long.MAX_VALUE && duration == null) {
            throw new IllegalArgumentException("bound the load with --total, --duration or both");
        }
        this.channels = List.copyOf(channels);
        this.workload = workload;
        this.clients = clients;
        this.total = total;
        this.durationNanos = duration == null ? Long.MAX_VALUE : duration.toNanos();
        this.requestTimeout = requestTimeout;
    }

    /** Runs the load to its end and returns the client-side figures (the label, op and CPU are filled in later). */
    LoadResult run() throws InterruptedException {
        stopped = new CountDownLatch(clients);
        long start = System.nanoTime();
        deadlineNanos = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + durationNanos;
        for (int i = 0; i < clients; i++) {
            new Client(KVGrpc.newStub(channels.get(i % channels.size()))).next();
        }
        stopped.await();
        long elapsed = System.nanoTime() - start;
        Map<Status.Code, Long> errorCounts = new EnumMap<>(Status.Code.class);
        errors.forEach((code, n) -> errorCounts.put(code, n.sum()));
        Histogram h = latencies.getIntervalHistogram();
        return new LoadResult("", workload.describe(), channels.size(), clients, ok.sum(), errorCounts,
                Map.copyOf(firstErrorText), elapsed, h, 0, -1);
    }

    /** One client: its callback is the loop. Callbacks of one client never overlap (one request in flight). */
    private final class Client implements StreamObserver<Object> {
        private final KVGrpc.KVStub stub;
        private final AtomicInteger turns = new AtomicInteger();
        private volatile long sentAt; // callbacks run on whichever event-loop thread the response arrived on

        Client(KVGrpc.KVStub stub) {
            this.stub = stub;
        }

        /**
         * Sends this client's next request, or stops it. A call that fails at once may call back on this thread
         * before {@code send} returns; the work counter turns that re-entry into another turn of the loop below
         * (run by whichever thread got there first) instead of a recursion as deep as the number of failures.
         */
        void next() {
            if (turns.getAndIncrement() != 0) return;
            do {
                sendOne();
            } while (turns.decrementAndGet() != 0);
        }

        private void sendOne() {
            long n = started.getAndIncrement();
            long now = System.nanoTime();
            if (n >= total || deadlineNanos != Long.MAX_VALUE && now - deadlineNanos >= 0) {
                stopped.countDown();
                return;
            }
            sentAt = now;
            try {
                workload.send(stub.withDeadlineAfter(requestTimeout.toNanos(), TimeUnit.NANOSECONDS), n, this);
            } catch (RuntimeException e) {
                onError(e); // a call that could not even start
            }
        }

        @Override
        public void onNext(Object response) {
            latencies.recordValue(System.nanoTime() - sentAt);
            ok.increment();
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            errors.computeIfAbsent(s.getCode(), c -> new LongAdder()).increment();
            firstErrorText.putIfAbsent(s.getCode(), String.valueOf(s.getDescription()));
            next();
        }

        @Override
        public void onCompleted() {
            next();
        }
    }
}
