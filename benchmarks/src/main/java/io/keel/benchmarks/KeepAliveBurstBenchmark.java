package io.keel.benchmarks;

import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.server.lease.KeepAliveAnswers;
import io.keel.server.lease.LeaseForwarder;
import io.keel.server.lease.Lessor;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.NoOp;
import io.keel.storage.mvcc.api.NoOpResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Issue 16: the lease layer's own cost of a keep-alive stream's burst ({@link #BURST} keep-alives sent together, as
 * etcd's clientv3 sends every due lease of a stream; about 15 in compare-etcd.sh's put-100-leases), scored per
 * keep-alive. At the leader: {@code leaderOneByOne} hands them to {@link LeaseForwarder#keepAlive} one at a time (how
 * a stream handed them over before: a lock, a clock reading and a leader lease check each, and a completed future
 * each); {@code leaderBurst} to {@link LeaseForwarder#keepAliveAll} at once. At a follower, with the leader's
 * forwarder and lessor in the same thread and the peer messages handed over in a loop until none is left (no
 * transport; messages built and read, not encoded): {@code followerOneByOne} through {@code keepAlive} with a
 * completion stage each, as before (the first leaves alone, the others in the next batch once it is answered);
 * {@code followerBurst} through {@code keepAliveAll}, answered by position. Single-threaded: time per operation is
 * its CPU. Both paths answer the same TTLs; the gRPC stream, HTTP/2 and the transport are not included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KeepAliveBurstBenchmark {
    static final int BURST = 16;
    private static final int LEASES = 1_000;
    private static final long TTL = 60;
    private static final long LEADER = 1;
    private static final long FOLLOWER = 2;

    private Path dir;
    private MvccStore store;
    private Lessor leaderLessor;
    private Lessor followerLessor;
    private LeaseForwarder atLeader;
    private LeaseForwarder atFollower;
    private final ArrayDeque<Message> wire = new ArrayDeque<>();
    private final long[] ids = new long[LEASES];
    private final long[] burst = new long[BURST];
    private int next;
    private long ttlSum;
    private final KeepAliveAnswers answers = new KeepAliveAnswers() {
        @Override
        public void answered(int i, long ttl) {
            ttlSum += ttl;
        }

        @Override
        public void failed(int i, Throwable cause) {
            throw new IllegalStateException("keep-alive " + i + " failed", cause);
        }
    };

    @Setup(Level.Trial)
    public void setup() {
        dir = TempDirs.create("keel-keepalive-bench");
        store = MvccStore.open(dir);
        leaderLessor = new Lessor(LEADER, Duration.ofSeconds(1), System::nanoTime,
                op -> new CompletableFuture<>(), term -> true, term -> CompletableFuture.completedFuture(null));
        leaderLessor.leadershipChanged(new SoftState(Role.LEADER, LEADER, 2));
        long index = 1;
        leaderLessor.applied(store, entry(index), NoOp.INSTANCE, new ApplyResult(index, new NoOpResponse(0), null));
        for (int i = 0; i < LEASES; i++) {
            ids[i] = 1_000 + i;
            index++;
            leaderLessor.applied(store, entry(index), new LeaseGrantRequest(ids[i], TTL),
                    new ApplyResult(index, new LeaseGrantResponse(0, ids[i], TTL), null));
        }
        long applied = index;
        followerLessor = new Lessor(FOLLOWER, Duration.ofSeconds(1), System::nanoTime,
                op -> new CompletableFuture<>(), term -> false, term -> new CompletableFuture<>());
        atLeader = new LeaseForwarder(LEADER, leaderLessor, () -> LEADER, () -> applied, wire::add,
                Duration.ofSeconds(30), Duration.ofSeconds(60));
        atFollower = new LeaseForwarder(FOLLOWER, followerLessor, () -> LEADER, () -> applied, wire::add,
                Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    private static Entry entry(long index) {
        return Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(index).setTerm(2).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        atFollower.close();
        atLeader.close();
        followerLessor.close();
        leaderLessor.close();
        store.close();
        TempDirs.delete(dir);
    }

    /** The next burst: {@link #BURST} leases in turn. */
    private long[] nextBurst() {
        for (int i = 0; i < BURST; i++) {
            burst[i] = ids[next];
            next = (next + 1) % LEASES;
        }
        return burst;
    }

    /** Hands the peer messages over until none is left. */
    private void deliver() {
        Message m;
        while ((m = wire.poll()) != null) (m.getTo() == LEADER ? atLeader : atFollower).onMessage(m);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void leaderOneByOne(Blackhole bh) {
        for (long id : nextBurst()) bh.consume(atLeader.keepAlive(id).join());
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long leaderBurst() {
        atLeader.keepAliveAll(nextBurst(), BURST, answers);
        return ttlSum;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long followerOneByOne() {
        for (long id : nextBurst()) {
            atFollower.keepAlive(id).whenComplete((ttl, e) -> {
                if (e == null) answers.answered(0, ttl);
                else answers.failed(0, e);
            });
        }
        deliver();
        return ttlSum;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long followerBurst() {
        atFollower.keepAliveAll(nextBurst(), BURST, answers);
        deliver();
        return ttlSum;
    }
}
