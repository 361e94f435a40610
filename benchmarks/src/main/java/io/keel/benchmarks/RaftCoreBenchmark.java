package io.keel.benchmarks;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Role;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.raft.runtime.Completion;
import io.keel.raft.runtime.LogStore;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.Refusal;
import io.keel.raft.runtime.RuntimeObserver;
import io.keel.raft.runtime.Stages;
import io.keel.raft.runtime.StateMachine;
import io.keel.raft.runtime.WriteOptions;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Issue #6, item 1: raft-core alone. Three {@link RaftNode}s on one thread with {@link MemoryStorage}, each driven by
 * the member runtime (issue 12: the same driver as the simulation's); every Ready is persisted at once and messages
 * are handed over directly, in a loop until the cluster is quiet. One invocation is
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

    /**
     * The members, their "disks" and the messages between them, each member driven by raft-core's
     * {@link MemberRuntime} with every stage on one queue run by this thread: the runtime's own bookkeeping (persist
     * order, apply hand-off, proposal registry) is part of what is measured.
     */
    static final class Cluster {
        final RaftNode[] nodes;
        final MemoryStorage[] disks;
        final List<MemberRuntime<Void>> runtimes = new ArrayList<>();
        final ArrayDeque<Message> network = new ArrayDeque<>();
        /** Every stage of every member: tasks run in order, by this thread. */
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        final long[] applied;
        long now = 1;
        int leader = -1;
        long leaderApplied;
        long lastCompacted;
        private final Completion<Void> ignored = new Completion<>() {
            @Override
            public void completed(Void result) {
            }

            @Override
            public void refused(Refusal refusal) {
                throw new IllegalStateException("proposal refused: " + refusal);
            }
        };

        Cluster(int size) {
            nodes = new RaftNode[size];
            disks = new MemoryStorage[size];
            applied = new long[size];
            long[] voters = new long[size];
            for (int i = 0; i < size; i++) voters[i] = i + 1;
            Stages stages = Stages.allOn(tasks::add);
            for (int i = 0; i < size; i++) {
                disks[i] = MemoryStorage.bootstrap(voters);
                RaftConfig config = RaftConfig.defaults(i + 1)
                        .withTimeouts(Duration.ofMillis(1000), Duration.ofMillis(100));
                // Applied 0: the bootstrap entry (the configuration) is handed out and applied like any other.
                nodes[i] = new RaftNode(config, disks[i], now);
                int member = i;
                LogStore disk = (ready, done) -> {
                    // Written at once: the benchmark measures raft-core and the runtime, not a disk.
                    disks[member].append(ready.entries());
                    if (ready.hardState() != null) disks[member].setHardState(ready.hardState());
                    done.durable();
                };
                StateMachine<Void> machine = new StateMachine<>() {
                    @Override
                    public List<Void> apply(List<Entry> entries, ConfState confState) {
                        if (!entries.isEmpty()) applied[member] = entries.get(entries.size() - 1).getIndex();
                        return Collections.nCopies(entries.size(), null);
                    }

                    @Override
                    public void installSnapshot(SnapshotMetadata snapshot) {
                        throw new IllegalStateException("no snapshots in this benchmark");
                    }

                    @Override
                    public ByteString tagOrigin(ByteString data, long memberId, long request) {
                        return data;
                    }

                    @Override
                    public long originRequest(Entry entry, long memberId) {
                        return -1;
                    }
                };
                runtimes.add(new MemberRuntime<>(nodes[i], disk, machine, network::addAll, () -> now, stages,
                        new MemberRuntime.Limits(1 << 20, Duration.ofSeconds(1).toNanos()), RuntimeObserver.NONE, 1));
            }
            for (MemberRuntime<Void> r : runtimes) r.start();
        }

        /**
         * Ticks everyone (all members must see an election timeout pass before they vote: the lease guard) until a
         * leader is elected and the cluster is quiet. Time stands still afterwards: no heartbeats during the rounds.
         */
        void elect() {
            long step = Duration.ofMillis(10).toNanos();
            for (int i = 0; i < 1000 && leader < 0; i++) {
                now += step;
                for (MemberRuntime<Void> r : runtimes) r.tick();
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
            MemberRuntime<Void> l = runtimes.get(leader);
            l.batch(() -> {
                for (int i = 0; i < batch; i++) l.propose(payload, WriteOptions.LEADER_ONLY, Long.MAX_VALUE, ignored);
            });
            runUntilQuiet();
            leaderApplied = applied[leader];
            if (leaderApplied - lastCompacted >= COMPACT_EVERY) compact();
            return leaderApplied;
        }

        void runUntilQuiet() {
            boolean busy = true;
            while (busy) {
                busy = false;
                Runnable task;
                while ((task = tasks.pollFirst()) != null) {
                    task.run();
                    busy = true;
                }
                Message m;
                while ((m = network.pollFirst()) != null) {
                    runtimes.get((int) m.getTo() - 1).step(m);
                    busy = true;
                }
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
