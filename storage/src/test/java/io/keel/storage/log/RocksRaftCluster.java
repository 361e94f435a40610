package io.keel.storage.log;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.raft.runtime.Completion;
import io.keel.raft.runtime.LogStore;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.Refusal;
import io.keel.raft.runtime.RuntimeObserver;
import io.keel.raft.runtime.Stages;
import io.keel.raft.runtime.WriteOptions;
import io.keel.raft.testing.NonForwardingStateMachine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A small deterministic driver for real {@link RaftNode}s whose disks are {@link RocksLogStorage}s: manual clocks, an
 * in-memory network delivered in order, and each node driven by raft-core's {@link MemberRuntime} (its stages on one
 * queue per member, run by the test's thread; its log store a {@link GroupCommitLog} whose writes the driver waits
 * for, so the run stays deterministic). A crash closes the store and forgets the process; a restart
 * opens the store from disk. Checks election safety and that no two members apply different entries at one index.
 */
final class RocksRaftCluster implements AutoCloseable {
    static final long MS = 1_000_000L;
    private static final long STEP = 10 * MS;

    /** One member: its disk (the store, plus its snapshot images) and its process (node and state machine). */
    final class Member {
        final long id;
        final Path dir;
        /** State machine images by snapshot index: what snapshot files on this member's disk would hold. */
        final Map<Long, List<String>> images = new HashMap<>();
        final Map<Long, List<String>> received = new HashMap<>();
        RocksLogStorage storage;
        GroupCommitLog log;
        RaftNode node;
        MemberRuntime<Void> runtime;
        /** Every stage of this member's runtime: lost with the process. */
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        long clock;
        List<String> applied;
        long appliedIndex;
        ConfState conf = ConfState.getDefaultInstance();

        Member(long id, Path dir) {
            this.id = id;
            this.dir = dir;
            images.put(0L, List.of());
        }

        boolean up() {
            return node != null;
        }

        void start() {
            long snapshotIndex = storage.snapshotMetadata().getIndex();
            applied = new ArrayList<>(images.get(snapshotIndex));
            appliedIndex = snapshotIndex;
            conf = storage.snapshotMetadata().getConfState();
            log = new GroupCommitLog(storage);
            RaftConfig config = RaftConfig.defaults(id).withTimeouts(Duration.ofMillis(1000), Duration.ofMillis(100));
            node = new RaftNode(config.withApplied(appliedIndex), storage, clock);
            tasks.clear();
            runtime = new MemberRuntime<>(node, this::persist, new Machine(this), network::addAll, () -> clock,
                    Stages.allOn(tasks::add), new MemberRuntime.Limits(1 << 16, Duration.ofSeconds(1).toNanos()),
                    RuntimeObserver.NONE, 1);
            runtime.tick();
        }

        /** Synced through the group commit log; waited for here so the run stays deterministic. */
        private void persist(Ready r, LogStore.Done done) {
            try {
                log.persist(r).join();
            } catch (RuntimeException e) {
                done.failed(e);
                return;
            }
            syncedReadys++;
            done.durable();
        }

        void stop() {
            runtime.stop();
            tasks.clear();
            runtime = null;
            log.close();
            storage.close();
            node = null;
            log = null;
            received.clear();
        }
    }

    private final TreeMap<Long, Member> members = new TreeMap<>();
    private final ArrayDeque<Message> network = new ArrayDeque<>();
    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    private final Map<Long, String> appliedAt = new HashMap<>();
    int syncedReadys;

    RocksRaftCluster(Path root, long... voters) {
        for (long id : voters) {
            Member m = new Member(id, root.resolve("member-" + id));
            m.storage = RocksLogStorage.bootstrap(m.dir, LogFixtures.CLUSTER, id, voters);
            members.put(id, m);
            m.start();
        }
        for (Member m : members.values()) process(m);
    }

    Member member(long id) {
        return members.get(id);
    }

    // ------------------------------------------------------------------ driving

    /** Ticks every running member by one step and delivers until the network is quiet. */
    void step() {
        for (Member m : members.values()) {
            if (!m.up()) continue;
            m.clock += STEP;
            m.runtime.tick();
            process(m);
        }
        for (int rounds = 0; !network.isEmpty(); rounds++) {
            if (rounds > 100_000) fail("the network does not quiesce");
            deliver(network.pollFirst());
        }
    }

    /** Steps until {@code done}, for at most {@code limit} of simulated time. */
    void runUntil(String what, Duration limit, BooleanSupplier done) {
        for (long t = 0; !done.getAsBoolean(); t += STEP) {
            if (t > limit.toNanos()) fail("not reached within " + limit + ": " + what + "\n" + status());
            step();
        }
    }

    long awaitLeader() {
        runUntil("a leader", Duration.ofSeconds(20), () -> leader() != 0);
        return leader();
    }

    /** The running leader that the other running members follow, or 0. */
    long leader() {
        for (Member m : members.values()) {
            if (m.up() && m.node.role() == Role.LEADER) return m.id;
        }
        return 0;
    }

    void propose(long id, List<String> payloads) {
        Member m = members.get(id);
        m.runtime.batch(() -> {
            for (String p : payloads) {
                m.runtime.propose(ByteString.copyFrom(p, StandardCharsets.UTF_8), WriteOptions.LEADER_ONLY,
                        Long.MAX_VALUE, MUST_NOT_BE_REFUSED);
            }
        });
        process(m);
    }

    /** Runs until every running member has applied everything the leader has committed, up to at least index. */
    void awaitApplied(long index) {
        runUntil("every running member applied " + index, Duration.ofSeconds(30), () -> {
            for (Member m : members.values()) {
                if (m.up() && m.appliedIndex < index) return false;
            }
            return true;
        });
    }

    void crash(long id) {
        Member m = members.get(id);
        m.stop();
        network.removeIf(msg -> msg.getTo() == id);
    }

    void restart(long id) {
        Member m = members.get(id);
        m.storage = RocksLogStorage.open(m.dir, LogFixtures.CLUSTER, id);
        m.start();
        process(m);
    }

    /** Compacts a member's log up to its applied index, keeping a state machine image there. */
    long compact(long id) {
        Member m = members.get(id);
        m.images.put(m.appliedIndex, List.copyOf(m.applied));
        m.storage.compact(m.appliedIndex, m.conf);
        return m.appliedIndex;
    }

    // ------------------------------------------------------------------ Readys and messages

    /** Runs the member's stages until none has anything left. */
    private void process(Member m) {
        for (int guard = 0; !m.tasks.isEmpty(); guard++) {
            if (guard > 1_000_000) fail("member " + m.id + " has work without end");
            m.tasks.poll().run();
        }
        if (m.node.role() == Role.LEADER) {
            Long earlier = leaderOfTerm.putIfAbsent(m.node.term(), m.id);
            assertTrue(earlier == null || earlier == m.id,
                    () -> "two leaders in term " + m.node.term() + ": " + earlier + " and " + m.id);
        }
    }

    private static final Completion<Void> MUST_NOT_BE_REFUSED = new Completion<>() {
        @Override
        public void completed(Void result) {
        }

        @Override
        public void refused(Refusal refusal) {
            if (refusal.kind() != Refusal.Kind.STOPPED) fail("proposal refused: " + refusal);
        }
    };

    /** A member's state machine: the list of applied payloads, checked against every other member's. */
    private final class Machine extends NonForwardingStateMachine<Void> {
        private final Member m;

        Machine(Member m) {
            this.m = m;
        }

        @Override
        public List<Void> apply(List<Entry> entries, ConfState confState) {
            if (confState != null) m.conf = confState;
            for (Entry e : entries) {
                assertEquals(m.appliedIndex + 1, e.getIndex(), "member " + m.id + " applies out of order");
                String value = e.getType() + ":" + e.getTerm() + ":" + e.getData().toStringUtf8();
                String known = appliedAt.putIfAbsent(e.getIndex(), value);
                assertTrue(known == null || known.equals(value), () -> "member " + m.id + " applied " + value
                        + " at " + e.getIndex() + " where " + known + " was applied");
                if (e.getType() == EntryType.ENTRY_NORMAL && !e.getData().isEmpty()) {
                    m.applied.add(e.getData().toStringUtf8());
                }
                m.appliedIndex = e.getIndex();
            }
            return java.util.Collections.nCopies(entries.size(), null);
        }

        @Override
        public void installSnapshot(SnapshotMetadata snapshot) {
            List<String> image = m.received.remove(snapshot.getIndex());
            assertTrue(image != null, "member " + m.id + " installs a snapshot it never received");
            m.images.put(snapshot.getIndex(), image);
            m.applied = new ArrayList<>(image);
            m.appliedIndex = snapshot.getIndex();
            m.conf = snapshot.getConfState();
        }
    }

    private void deliver(Message msg) {
        Member to = members.get(msg.getTo());
        Member from = members.get(msg.getFrom());
        if (to == null || !to.up()) {
            if (msg.getType() == MessageType.MSG_SNAPSHOT && from != null && from.up()) {
                from.runtime.reportSnapshot(msg.getTo(), false);
                process(from);
            }
            return;
        }
        if (msg.getType() == MessageType.MSG_SNAPSHOT) {
            // The snapshot's bytes travel beside its metadata.
            to.received.put(msg.getSnapshot().getIndex(), from.images.get(msg.getSnapshot().getIndex()));
        }
        to.runtime.step(msg);
        process(to);
        if (msg.getType() == MessageType.MSG_SNAPSHOT && from != null && from.up()) {
            from.runtime.reportSnapshot(msg.getTo(), true);
            process(from);
        }
    }

    String status() {
        StringBuilder sb = new StringBuilder();
        for (Member m : members.values()) {
            sb.append("  ").append(m.id).append(m.up() ? ": " + m.node.role() + " term " + m.node.term()
                    + " commit " + m.node.log().committed() + " applied " + m.appliedIndex
                    + " log " + m.storage.firstIndex() + ".." + m.storage.lastIndex() : ": down").append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (Member m : members.values()) {
            if (m.up()) m.stop();
        }
    }
}
