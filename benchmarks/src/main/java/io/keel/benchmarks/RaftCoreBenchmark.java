package io.keel.benchmarks;

import com.google.protobuf.ByteString;
import io.keel.raft.ProposeResult;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.Message;
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
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Issue #6, item 1: raft-core alone. Three {@link RaftNode}s on one thread with {@link MemoryStorage}; every Ready is
 * persisted at once and messages are handed over directly, in a loop until the cluster is quiet. One invocation is
 * one round: the leader takes a batch of 256-byte proposals, then the cluster runs until all of them are committed
 * and applied on the leader. Scores are committed entries per second ({@link OperationsPerInvocation} = batch), so
 * with {@code -prof gc} {@code gc.alloc.rate.norm} is bytes allocated per committed entry (all three members).
 * Single-threaded: the time per entry is also the CPU per entry.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RaftCoreBenchmark {
    static final int PAYLOAD_BYTES = 256;
    /** Logs are compacted up to the applied index every this many entries, so the heap stays flat. */
    private static final long COMPACT_EVERY = 1 << 16;

    private Cluster cluster;
    private ByteString payload;

    @Setup(Level.Trial)
    public void setup() {
        byte[] bytes = new byte[PAYLOAD_BYTES];
        ThreadLocalRandom.current().nextBytes(bytes);
        payload = ByteString.copyFrom(bytes);
        cluster = new Cluster(3);
        cluster.elect();
        // Sanity: a round commits the whole batch.
        long before = cluster.leaderApplied;
        cluster.round(payload, 16);
        if (cluster.leaderApplied != before + 16) {
            throw new IllegalStateException("a round of 16 applied " + (cluster.leaderApplied - before));
        }
        for (long a : cluster.applied) {
            if (a != cluster.leaderApplied) throw new IllegalStateException("a member is behind: " + a);
        }
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public long batch001() {
        return cluster.round(payload, 1);
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public long batch016() {
        return cluster.round(payload, 16);
    }

    @Benchmark
    @OperationsPerInvocation(256)
    public long batch256() {
        return cluster.round(payload, 256);
    }

    /** The members, their "disks" and the messages between them: the scenario harness's loop, stripped down. */
    static final class Cluster {
        final RaftNode[] nodes;
        final MemoryStorage[] disks;
        final ArrayDeque<Message> network = new ArrayDeque<>();
        final long[] applied;
        long now = 1;
        int leader = -1;
        long leaderApplied;
        long lastCompacted;

        Cluster(int size) {
            nodes = new RaftNode[size];
            disks = new MemoryStorage[size];
            applied = new long[size];
            long[] voters = new long[size];
            for (int i = 0; i < size; i++) voters[i] = i + 1;
            for (int i = 0; i < size; i++) {
                disks[i] = MemoryStorage.bootstrap(voters);
                RaftConfig config = RaftConfig.defaults(i + 1)
                        .withTimeouts(Duration.ofMillis(1000), Duration.ofMillis(100));
                // Applied 0: the bootstrap entry (the configuration) is handed out and applied like any other.
                nodes[i] = new RaftNode(config, disks[i], now);
            }
        }

        /**
         * Ticks everyone (all members must see an election timeout pass before they vote: the lease guard) until a
         * leader is elected and the cluster is quiet. Time stands still afterwards: no heartbeats during the rounds.
         */
        void elect() {
            long step = Duration.ofMillis(10).toNanos();
            for (int i = 0; i < 1000 && leader < 0; i++) {
                now += step;
                for (RaftNode n : nodes) n.tick(now);
                runUntilQuiet();
                for (int j = 0; j < nodes.length; j++) {
                    if (nodes[j].role() == Role.LEADER) leader = j;
                }
            }
            if (leader < 0) throw new IllegalStateException("no leader elected");
            runUntilQuiet();
            leaderApplied = applied[leader];
        }

        /** Proposes {@code batch} entries on the leader and runs until quiet; returns the leader's applied index. */
        long round(ByteString payload, int batch) {
            RaftNode l = nodes[leader];
            for (int i = 0; i < batch; i++) {
                if (!(l.propose(payload) instanceof ProposeResult.Accepted)) {
                    throw new IllegalStateException("proposal refused by " + l);
                }
            }
            runUntilQuiet();
            leaderApplied = applied[leader];
            if (leaderApplied - lastCompacted >= COMPACT_EVERY) compact();
            return leaderApplied;
        }

        void runUntilQuiet() {
            boolean busy = true;
            while (busy) {
                busy = false;
                for (int i = 0; i < nodes.length; i++) {
                    while (nodes[i].hasReady()) {
                        handle(i, nodes[i].ready());
                        busy = true;
                    }
                }
                Message m;
                while ((m = network.pollFirst()) != null) {
                    nodes[(int) m.getTo() - 1].step(m);
                    busy = true;
                }
            }
        }

        private void handle(int i, Ready r) {
            network.addAll(r.messages());
            if (r.mustPersist()) {
                disks[i].append(r.entries());
                if (r.hardState() != null) disks[i].setHardState(r.hardState());
            }
            network.addAll(r.messagesAfterPersist());
            nodes[i].persisted(r);
            if (!r.committedEntries().isEmpty()) {
                Entry last = r.committedEntries().get(r.committedEntries().size() - 1);
                applied[i] = last.getIndex();
                nodes[i].applied(last.getIndex());
            }
        }

        private void compact() {
            for (int i = 0; i < nodes.length; i++) {
                disks[i].compact(applied[i], nodes[i].configuration().toConfState());
            }
            lastCompacted = leaderApplied;
        }
    }
}
