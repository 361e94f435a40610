package io.keel.raft.runtime;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.SnapshotMetadata;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * One member's runtime with every stage held by the test: each stage is a queue the test runs when it chooses, the
 * log completes a write only when told, and every step is written to {@link #events} in the order it happened, so a
 * test can make a stage late and see what the runtime does meanwhile.
 */
final class RuntimeHarness {
    /** A stage whose tasks run only when the test says so. */
    static final class HeldStage implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        /** Runs every task queued, including those queued meanwhile; whether any ran. */
        boolean runAll() {
            boolean ran = false;
            while (!tasks.isEmpty()) {
                tasks.poll().run();
                ran = true;
            }
            return ran;
        }
    }

    final List<String> events = new ArrayList<>();
    final List<Message> sent = new ArrayList<>();
    final MemoryStorage storage;
    final RaftNode node;
    final HeldStage raft = new HeldStage();
    /** The raft stage's hand-backs that must not wake it (Stages#raftDeferred), when the test asks for them apart. */
    final HeldStage raftDeferred = new HeldStage();
    final HeldStage apply = new HeldStage();
    final HeldStage read = new HeldStage();
    final ArrayDeque<Ready> writes = new ArrayDeque<>();
    final ArrayDeque<LogStore.Done> writesDone = new ArrayDeque<>();
    final List<Entry> applied = new ArrayList<>();
    long now = 1_000_000_000L;
    /** How often the clock stood still (a suspended VM, {@link #suspend}), and how many the raft stage noticed. */
    int suspensions;
    private int suspensionsChecked;
    final MemberRuntime<Long> runtime;

    RuntimeHarness(long id, MemoryStorage storage, int maxPending) {
        this(id, storage, maxPending, io.keel.raft.ReadMode.READ_INDEX);
    }

    RuntimeHarness(long id, MemoryStorage storage, int maxPending, io.keel.raft.ReadMode mode) {
        this(id, storage, maxPending, mode, false);
    }

    /** {@code deferredApart}: hand-backs nobody waits for go to {@link #raftDeferred} instead of {@link #raft}. */
    RuntimeHarness(long id, MemoryStorage storage, int maxPending, io.keel.raft.ReadMode mode, boolean deferredApart) {
        this.storage = storage;
        RaftConfig config = RaftConfig.defaults(id).withTimeouts(Duration.ofMillis(100), Duration.ofMillis(20))
                .withReadMode(mode).withRandomSeed(7);
        this.node = new RaftNode(config, storage, now);
        LogStore log = (ready, done) -> {
            events.add("persist " + describe(ready));
            writes.add(ready);
            writesDone.add(done);
        };
        StateMachine<Long> machine = new StateMachine<>() {
            @Override
            public List<Long> apply(List<Entry> entries, ConfState confState) {
                List<Long> results = new ArrayList<>();
                for (Entry e : entries) {
                    events.add("apply " + e.getIndex());
                    applied.add(e);
                    results.add(e.getIndex());
                }
                return results;
            }

            @Override
            public void installSnapshot(SnapshotMetadata snapshot) {
                events.add("install " + snapshot.getIndex());
            }

            @Override
            public ByteString tagOrigin(ByteString data, long member, long request) {
                return data.concat(ByteString.copyFrom("@" + member + ":" + request, StandardCharsets.UTF_8));
            }

            @Override
            public long originRequest(Entry entry, long member) {
                String s = entry.getData().toStringUtf8();
                int at = s.lastIndexOf('@');
                if (at < 0) return -1;
                String[] parts = s.substring(at + 1).split(":");
                return Long.parseLong(parts[0]) == member ? Long.parseLong(parts[1]) : -1;
            }
        };
        Transport transport = messages -> {
            for (Message m : messages) {
                checkPublishedLeaderLease(m);
                events.add("send " + m.getType() + " to " + m.getTo());
                sent.add(m);
            }
        };
        Stages stages = new Stages(raft, deferredApart ? raftDeferred : raft, Runnable::run, apply, read);
        Clock clock = new Clock() {
            @Override
            public long now() {
                return now;
            }

            @Override
            public boolean mayHaveStoppedSinceLastCheck() {
                boolean stopped = suspensions > suspensionsChecked;
                suspensionsChecked = suspensions;
                return stopped;
            }

            @Override
            public long suspensionMark() {
                return suspensions;
            }

            @Override
            public boolean mayHaveStoppedSince(long mark) {
                return suspensions > mark;
            }
        };
        runtime = new MemberRuntime<>(node, log, machine, transport, clock, stages,
                new MemberRuntime.Limits(maxPending, Duration.ofMillis(500).toNanos()), RuntimeObserver.NONE, 1);
        runtime.start();
    }

    /**
     * A message leaves while the published lease is later than the node's own view: a lease read re-checked then
     * would trust a lease the node already gave up (ReadState's contract).
     */
    private void checkPublishedLeaderLease(Message m) {
        PublishedLeaderLease published = runtime.lease();
        long own = node.leaseExpiresAt();
        boolean ownHolds = own != Long.MIN_VALUE && own - now > 0;
        if (published.holds(node.term(), now) && !ownHolds) {
            events.add("STALE LEASE at send of " + m.getType());
        }
    }

    /** Whether every message left with the lease published as the node saw it. */
    boolean leaseAlwaysPublishedFirst() {
        return events.stream().noneMatch(e -> e.startsWith("STALE LEASE"));
    }

    /**
     * Makes this member (1 of {1, 2, 3}) leader with member 2's help, and lets 2 acknowledge everything sent to it
     * until the leader's first entry commits.
     */
    void becomeLeaderOfThree() {
        for (int i = 0; i < 100 && node.role() != io.keel.raft.Role.PRE_CANDIDATE; i++) {
            now += 10_000_000L;
            runtime.tick();
        }
        settle();
        runtime.step(Message.newBuilder().setType(io.keel.raft.proto.MessageType.MSG_PRE_VOTE_RESPONSE).setFrom(2)
                .setTo(node.id()).setTerm(node.term() + 1).build());
        settle();
        runtime.step(Message.newBuilder().setType(io.keel.raft.proto.MessageType.MSG_VOTE_RESPONSE).setFrom(2)
                .setTo(node.id()).setTerm(node.term()).build());
        settle();
        if (node.role() != io.keel.raft.Role.LEADER) throw new AssertionError("not leader: " + node + " " + events);
        answerAs(2);
    }

    /** Member 2 answers every append and heartbeat sent to it so far, as an up-to-date follower would. */
    void answerAs(long follower) {
        List<Message> toAnswer = sent.stream().filter(m -> m.getTo() == follower).toList();
        sent.removeIf(m -> m.getTo() == follower);
        for (Message m : toAnswer) {
            Message.Builder reply = Message.newBuilder().setFrom(follower).setTo(node.id()).setTerm(m.getTerm())
                    .setRound(m.getRound());
            switch (m.getType()) {
                case MSG_APPEND -> runtime.step(reply.setType(io.keel.raft.proto.MessageType.MSG_APPEND_RESPONSE)
                        .setIndex(m.getIndex() + m.getEntriesCount()).build());
                case MSG_HEARTBEAT -> runtime.step(reply
                        .setType(io.keel.raft.proto.MessageType.MSG_HEARTBEAT_RESPONSE).build());
                default -> { }
            }
        }
        settle();
    }

    /** The oldest write handed to the log becomes durable. */
    void completeWrite() {
        Ready r = writes.poll();
        if (r.snapshot() != null) storage.applySnapshot(r.snapshot());
        if (!r.entries().isEmpty()) storage.append(r.entries());
        if (r.hardState() != null) storage.setHardState(r.hardState());
        events.add("durable " + describe(r));
        writesDone.poll().durable();
    }

    void failWrite(Throwable cause) {
        writes.poll();
        writesDone.poll().failed(cause);
    }

    /** Runs everything until nothing is left: writes, hand-backs, applies, reads. */
    void settle() {
        boolean progress = true;
        while (progress) {
            progress = false;
            while (!writes.isEmpty()) {
                completeWrite();
                progress = true;
            }
            progress |= raft.runAll();
            progress |= raftDeferred.runAll();
            progress |= apply.runAll();
            progress |= read.runAll();
        }
    }

    /** Ticks (advancing the clock by 10 ms) until this single member leads, settling after each tick. */
    void becomeSingleLeader() {
        for (int i = 0; i < 100 && node.role() != io.keel.raft.Role.LEADER; i++) {
            now += 10_000_000L;
            runtime.tick();
            settle();
        }
        if (node.role() != io.keel.raft.Role.LEADER) throw new AssertionError("no leader: " + node);
    }

    /** The member's clock stood still while real time went on (a suspended VM): {@link Clock}'s two checks say so. */
    void suspend() {
        suspensions++;
    }

    boolean sentType(io.keel.raft.proto.MessageType type) {
        return sent.stream().anyMatch(m -> m.getType() == type);
    }

    private static String describe(Ready r) {
        StringBuilder sb = new StringBuilder();
        if (r.snapshot() != null) sb.append("snapshot ").append(r.snapshot().getIndex()).append(' ');
        sb.append("entries ").append(r.entries().stream().map(Entry::getIndex).toList());
        return sb.toString();
    }

    static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** Records how a request ended. */
    static final class Recorder<T> implements Completion<T> {
        final List<String> events;
        final String name;
        T result;
        Refusal refusal;
        int calls;
        /** Set by a test: the caller ended the request itself (its own timer), as the server's RequestTimer does. */
        boolean endedByCaller;
        final List<Completion.Step> asked = new ArrayList<>();

        @Override
        public boolean proceed(Completion.Step next) {
            asked.add(next);
            return !endedByCaller;
        }

        @Override
        public boolean ended() {
            return endedByCaller;
        }

        Recorder(List<String> events, String name) {
            this.events = events;
            this.name = name;
        }

        @Override
        public void completed(T r) {
            calls++;
            result = r;
            events.add("answer " + name);
        }

        @Override
        public void refused(Refusal r) {
            calls++;
            refusal = r;
            events.add("refused " + name + " " + r.kind());
        }

        boolean done() {
            return calls > 0;
        }
    }
}
