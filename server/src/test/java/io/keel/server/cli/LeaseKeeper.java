package io.keel.server.cli;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.LeaseKeepAliveRequest;
import io.keel.server.etcd.proto.LeaseKeepAliveResponse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps leases alive over one gRPC LeaseKeepAlive stream at one member, the way etcd's Go client (clientv3) does:
 * every 500 ms it sends a keep-alive for each lease whose next keep-alive is due; a lease is due again TTL/3 after
 * its last answer (so one without an answer is sent again every 500 ms); when the stream fails, a new one is
 * opened. It records answers per lease, leases answered as gone (TTL 0), and stream failures.
 */
final class LeaseKeeper implements AutoCloseable {
    /** clientv3's send loop period. */
    private static final Duration SEND_PERIOD = Duration.ofMillis(500);

    private final Channel channel;
    private final List<Long> leases;
    private final Map<Long, Long> nextDueNanos = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
    private final Map<Long, Long> lastAnswerNanos = new ConcurrentHashMap<>();
    private final AtomicInteger sent = new AtomicInteger();
    private final Set<Long> gone = ConcurrentHashMap.newKeySet();
    private final List<Throwable> streamFailures = new CopyOnWriteArrayList<>();
    private final List<Long> streamFailureNanos = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean streamBroken = true;
    private volatile ClientCallStreamObserver<LeaseKeepAliveRequest> call;
    private StreamObserver<LeaseKeepAliveRequest> requests; // the send loop's thread only

    LeaseKeeper(Channel channel, List<Long> leases) {
        this.channel = channel;
        this.leases = List.copyOf(leases);
        long now = System.nanoTime();
        for (long id : leases) {
            nextDueNanos.put(id, now);
            answers.put(id, new AtomicInteger());
        }
        this.thread = new Thread(this::sendLoop, "lease-keeper");
        this.thread.setDaemon(true);
    }

    LeaseKeeper start() {
        thread.start();
        return this;
    }

    private void sendLoop() {
        while (running) {
            if (streamBroken) open();
            long now = System.nanoTime();
            for (long id : leases) {
                if (now - nextDueNanos.get(id) >= 0 && !gone.contains(id)) {
                    requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
                    sent.incrementAndGet();
                }
            }
            LockSupport.parkNanos(SEND_PERIOD.toNanos()); // the client's send period, not a wait for a state
        }
    }

    private void open() {
        if (call != null) call.cancel("replaced after a failure", null);
        streamBroken = false;
        requests = LeaseGrpc.newStub(channel).leaseKeepAlive(
                new ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> c) {
                        call = c;
                    }

                    @Override
                    public void onNext(LeaseKeepAliveResponse r) {
                        if (r.getTTL() <= 0) {
                            gone.add(r.getID());
                            return;
                        }
                        answers.get(r.getID()).incrementAndGet();
                        lastAnswerNanos.put(r.getID(), System.nanoTime());
                        nextDueNanos.put(r.getID(), System.nanoTime() + TimeUnit.SECONDS.toNanos(r.getTTL()) / 3);
                    }

                    @Override
                    public void onError(Throwable t) {
                        streamFailureNanos.add(System.nanoTime());
                        streamFailures.add(t);
                        streamBroken = true;
                    }

                    @Override
                    public void onCompleted() {
                        streamFailureNanos.add(System.nanoTime());
                        streamFailures.add(new IllegalStateException("the server completed the stream"));
                        streamBroken = true;
                    }
                });
    }

    /** Keep-alives answered with a TTL for {@code id} so far. */
    int answers(long id) {
        return answers.get(id).get();
    }

    /** The fewest answers any lease has had. */
    int fewestAnswers() {
        return leases.stream().mapToInt(this::answers).min().orElse(0);
    }

    /** Leases a keep-alive was answered TTL 0 for: they no longer exist. */
    Set<Long> gone() {
        return Set.copyOf(gone);
    }

    List<Throwable> streamFailures() {
        return List.copyOf(streamFailures);
    }

    /** For failure messages: per lease, answers and the last one's time relative to {@code sinceNanos}. */
    String describe(long sinceNanos) {
        StringBuilder b = new StringBuilder("keep-alives sent " + sent.get() + "; per lease (answers, last answer"
                + " in ms relative to the reference):");
        for (long id : leases) {
            Long last = lastAnswerNanos.get(id);
            b.append(' ').append(Long.toHexString(id)).append("=(").append(answers(id)).append(", ")
                    .append(last == null ? "none" : TimeUnit.NANOSECONDS.toMillis(last - sinceNanos)).append(')');
        }
        b.append("; stream failures (ms relative to the reference: outcome):");
        for (int i = 0; i < streamFailures.size(); i++) {
            b.append(' ').append(TimeUnit.NANOSECONDS.toMillis(streamFailureNanos.get(i) - sinceNanos)).append(": ")
                    .append(streamFailures.get(i));
        }
        return b.toString();
    }

    /** Stops sending and closes the stream; the leases then run out on their own. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(30));
        if (thread.isAlive()) throw new AssertionError("the keep-alive loop did not stop within 30 s");
        if (call != null) call.cancel("keep-alives stopped", null);
    }
}
