import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchGrpc;
import io.keel.server.etcd.proto.WatchRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A rolling restart of a three-member cluster under writers pinned to every member (issue 14), for Keel's launcher or
 * etcd: both take the same flags. Run by benchmarks/restart-gap.sh as a single-file program on Keel's distribution
 * class path (its etcd gRPC stubs are etcd's wire protocol, so both servers get the same client).
 *
 * <p>Usage: java -cp 'keel/lib/*' RestartGap.java NAME BINARY WORKDIR
 *
 * <p>Besides the writer, one watcher is pinned to each member: a watch stream over the writers' keys, reopened 20 ms
 * after it ends.
 *
 * <p>Each member in turn (m1, m2, m3) gets SIGTERM; "stop" is the time to its process's exit. It is started again at
 * once; "start to serving" is from the process start to the first write acknowledged through it. The next member
 * is restarted 2 s after that. "longest gap" is the longest stretch in which no writer (through any member) got a
 * write acknowledged, from the first SIGTERM to 3 s after the last member serves again. A writer puts one key at a
 * time with a 2 s deadline; after a failure it waits 20 ms and retries with the channel's reconnection back-off
 * reset, so a member is noticed within ~20 ms of serving again (a client's own back-off would otherwise be measured).
 */
public class RestartGap {
    static final int MEMBERS = 3;

    final String side;
    final String binary;
    final Path dir;
    final int[] client = new int[MEMBERS];
    final int[] peer = new int[MEMBERS];
    final Process[] processes = new Process[MEMBERS];
    final int[] starts = new int[MEMBERS];
    final List<ConcurrentLinkedQueue<Long>> acks = new ArrayList<>();
    /** Failed puts: when (nanoTime), through which member, how long it took, with what status. */
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    volatile long epoch;
    volatile boolean restarting;
    volatile boolean writing = true;

    RestartGap(String side, String binary, Path dir) throws IOException {
        this.side = side;
        this.binary = binary;
        this.dir = dir;
        List<ServerSocket> held = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            ServerSocket c = new ServerSocket(0);
            ServerSocket p = new ServerSocket(0);
            held.add(c);
            held.add(p);
            client[i] = c.getLocalPort();
            peer[i] = p.getLocalPort();
            acks.add(new ConcurrentLinkedQueue<>());
        }
        for (ServerSocket s : held) s.close();
    }

    static String name(int i) {
        return "m" + (i + 1);
    }

    String initialCluster() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < MEMBERS; i++) {
            if (i > 0) b.append(',');
            b.append(name(i)).append("=http://127.0.0.1:").append(peer[i]);
        }
        return b.toString();
    }

    void start(int i) throws IOException {
        String c = "http://127.0.0.1:" + client[i];
        String p = "http://127.0.0.1:" + peer[i];
        List<String> cmd = List.of(binary, "--name", name(i), "--data-dir", dir.resolve(name(i) + ".data").toString(),
                "--listen-client-urls", c, "--advertise-client-urls", c, "--listen-peer-urls", p,
                "--initial-advertise-peer-urls", p, "--initial-cluster", initialCluster(),
                "--initial-cluster-token", "restart-gap", "--initial-cluster-state", "new");
        Path log = dir.resolve(name(i) + "-" + (++starts[i]) + ".log");
        processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** One writer pinned to member i: puts until stopped, recording when each put was acknowledged. */
    Thread writer(int i) {
        Thread t = new Thread(() -> {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", client[i]).usePlaintext().build();
            ByteString value = ByteString.copyFromUtf8("x".repeat(256));
            long seq = 0;
            try {
                while (writing) {
                    long sent = System.nanoTime();
                    try {
                        KVGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("w" + i + "/" + (seq++ % 1000))).setValue(value)
                                .build());
                        acks.get(i).add(System.nanoTime());
                    } catch (StatusRuntimeException e) {
                        long now = System.nanoTime();
                        if (restarting) failures.add(String.format("%8.3f s  %s  after %5.0f ms  %s %s", (now - epoch) / 1e9, name(i),
                                ms(now - sent), e.getStatus().getCode(), e.getStatus().getDescription()));
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                        ch.resetConnectBackoff();
                    }
                }
            } finally {
                ch.shutdownNow();
            }
        }, "writer-" + name(i));
        t.start();
        return t;
    }

    /**
     * One watcher pinned to member i, as clients of a configuration store have: a watch of every writer's keys on
     * its own stream, opened again 20 ms after it ends (the events are not looked at). A member that keeps such
     * streams open while it stops is what the stop time shows.
     */
    Thread watcher(int i) {
        Thread t = new Thread(() -> {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", client[i]).usePlaintext().build();
            try {
                while (writing) {
                    java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
                    var requests = WatchGrpc.newStub(ch).watch(new StreamObserver<WatchResponse>() {
                        @Override
                        public void onNext(WatchResponse r) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            ended.countDown();
                        }
                    });
                    requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("w")).setRangeEnd(ByteString.copyFromUtf8("x"))).build());
                    while (writing && !ended.await(100, TimeUnit.MILLISECONDS)) {
                        // the stream is open
                    }
                    if (!writing) requests.onCompleted();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    ch.resetConnectBackoff();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ch.shutdownNow();
            }
        }, "watcher-" + name(i));
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits for member i's writer to be acknowledged after {@code since}; returns when (nanoTime). */
    long awaitAck(int i, long since, long timeoutNanos) {
        long deadline = since + timeoutNanos;
        while (System.nanoTime() < deadline) {
            for (Long t : acks.get(i)) if (t > since) return firstAfter(i, since);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        throw new IllegalStateException(side + " " + name(i) + " acknowledged no write within "
                + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s; see " + dir);
    }

    long firstAfter(int i, long since) {
        long best = Long.MAX_VALUE;
        for (Long t : acks.get(i)) if (t > since && t < best) best = t;
        return best;
    }

    /** The longest stretch in [from, to] with no acknowledged write through any member: {length, start}. */
    long[] longestGap(long from, long to) {
        List<Long> all = new ArrayList<>();
        for (ConcurrentLinkedQueue<Long> q : acks) for (Long t : q) if (t >= from && t <= to) all.add(t);
        all.add(from);
        all.add(to);
        all.sort(null);
        long[] gap = {0, from};
        for (int k = 1; k < all.size(); k++) {
            long g = all.get(k) - all.get(k - 1);
            if (g > gap[0]) gap = new long[]{g, all.get(k - 1)};
        }
        return gap;
    }

    String leader() {
        for (int i = 0; i < MEMBERS; i++) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", client[i]).usePlaintext().build();
            try {
                var s = MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                if (s.getLeader() == s.getHeader().getMemberId()) return name(i);
            } catch (StatusRuntimeException e) {
                // not answering
            } finally {
                ch.shutdownNow();
            }
        }
        return "?";
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    void run() throws Exception {
        long timeout = TimeUnit.SECONDS.toNanos(120);
        long t0 = System.nanoTime();
        for (int i = 0; i < MEMBERS; i++) start(i);
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) writers.add(writer(i));
        for (int i = 0; i < MEMBERS; i++) watcher(i);
        for (int i = 0; i < MEMBERS; i++) awaitAck(i, t0, timeout);
        Thread.sleep(5000); // warm-up: every writer going, the members' JIT past the first requests
        long[] stop = new long[MEMBERS];
        long[] serving = new long[MEMBERS];
        long[][] gaps = new long[MEMBERS][];
        String[] leaders = new String[MEMBERS];
        long first = 0;
        long lastServing = 0;
        for (int i = 0; i < MEMBERS; i++) {
            leaders[i] = leader();
            long term = System.nanoTime();
            if (i == 0) {
                first = term;
                epoch = term;
                restarting = true;
            }
            System.out.printf("  %s (+%.3f s): SIGTERM to %s (the leader: %s)%n", java.time.Instant.now(),
                    (term - first) / 1e9, name(i), leaders[i]);
            processes[i].destroy(); // SIGTERM
            if (!processes[i].waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException(name(i) + " did not stop");
            long exited = System.nanoTime();
            stop[i] = exited - term;
            long started = System.nanoTime();
            System.out.printf("  %s: %s exited after %.0f ms, started again%n", java.time.Instant.now(), name(i),
                    ms(stop[i]));
            start(i);
            long served = awaitAck(i, started, timeout);
            serving[i] = served - started;
            lastServing = served;
            Thread.sleep(2000);
            gaps[i] = longestGap(term, System.nanoTime());
        }
        Thread.sleep(1000);
        long[] gap = longestGap(first, lastServing + TimeUnit.SECONDS.toNanos(3));
        writing = false;
        for (Thread w : writers) w.join();
        List<String> failed = new ArrayList<>(failures);
        failed.sort(null);
        Files.write(dir.resolve("failures.txt"), failed);
        int total = acks.stream().mapToInt(ConcurrentLinkedQueue::size).sum();
        for (Process p : processes) p.destroy();
        for (Process p : processes) p.waitFor(60, TimeUnit.SECONDS);

        System.out.printf("%s: rolling restart of 3 members, one writer pinned to each (%d writes acknowledged)%n",
                side, total);
        System.out.printf("  %-6s %-8s %10s %20s %18s%n", "member", "was", "stop (ms)", "start→serving (ms)",
                "longest gap (ms)");
        for (int i = 0; i < MEMBERS; i++) {
            System.out.printf("  %-6s %-8s %10.0f %20.0f %18.0f%n", name(i),
                    leaders[i].equals(name(i)) ? "leader" : "follower", ms(stop[i]), ms(serving[i]), ms(gaps[i][0]));
        }
        System.out.printf("  longest gap with no acknowledged write over the whole rolling restart: %.0f ms "
                + "(starting %.1f s after the first SIGTERM)%n", ms(gap[0]), (gap[1] - first) / 1e9);
        // Keel's launcher says where its start went (keel: start: ...); etcd prints no such line.
        for (int i = 0; i < MEMBERS; i++) {
            Path log = dir.resolve(name(i) + "-" + starts[i] + ".log");
            try (var lines = Files.lines(log)) {
                String n = name(i);
                lines.filter(l -> l.startsWith("keel: start: ")).findFirst()
                        .ifPresent(l -> System.out.printf("  %s restarted: %s%n", n, l.substring("keel: ".length())));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: RestartGap NAME BINARY WORKDIR");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[2]));
        RestartGap r = new RestartGap(args[0], args[1], dir);
        try {
            r.run();
        } finally {
            r.writing = false;
            for (Process p : r.processes) if (p != null && p.isAlive()) p.destroyForcibly();
        }
    }
}
