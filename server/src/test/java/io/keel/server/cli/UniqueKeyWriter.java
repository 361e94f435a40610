package io.keel.server.cli;

import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.PutResponse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A writer thread that puts a new key for every attempt ({@code prefix + number}, value {@code "v" + number}),
 * round robin through the given members (a follower forwards to the leader; a killed member refuses at once). It
 * never retries: an attempt that failed is only "attempted", so a write that applied twice or applied without
 * being attempted shows up as a key seen twice or a key never written.
 */
final class UniqueKeyWriter implements AutoCloseable {
    private final String prefix;
    private final List<MemberProcess> targets;
    private final Thread thread;
    private volatile boolean running = true;
    /** Acknowledged puts: key to the revision the put response named. */
    private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    private final Set<String> attempted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile RuntimeException unexpected;

    UniqueKeyWriter(String prefix, List<MemberProcess> targets) {
        this.prefix = prefix;
        this.targets = List.copyOf(targets);
        this.thread = new Thread(this::run, "unique-key-writer");
        this.thread.setDaemon(true);
    }

    UniqueKeyWriter start() {
        thread.start();
        return this;
    }

    static String key(String prefix, int n) {
        return prefix + String.format("%06d", n);
    }

    private void run() {
        try {
            for (int n = 0; running; n++) {
                String key = key(prefix, n);
                MemberProcess target = targets.get(n % targets.size());
                attempted.add(key);
                try {
                    PutResponse r = KVGrpc.newBlockingStub(target.channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                            .put(PutRequest.newBuilder().setKey(PrefixWatch.utf8(key))
                                    .setValue(PrefixWatch.utf8("v" + n)).build());
                    acknowledged.put(key, r.getHeader().getRevision());
                } catch (StatusRuntimeException e) {
                    failures.incrementAndGet(); // unknown outcome: a killed member, a lost forward, no leader yet
                }
                // A rate limit (about 100 puts a second at most) so three JVMs on two cores keep up; not a wait
                // for any state.
                LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
        } catch (RuntimeException e) {
            unexpected = e;
        }
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    int failures() {
        return failures.get();
    }

    Map<String, Long> acknowledged() {
        return Map.copyOf(acknowledged);
    }

    Set<String> attempted() {
        return Set.copyOf(attempted);
    }

    /** Stops after the put in flight and waits for the thread; rethrows anything unexpected it met. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(60));
        if (thread.isAlive()) throw new AssertionError("the writer did not stop within 60 s");
        if (unexpected != null) throw unexpected;
    }
}
