package io.keel.raft.sim;

import com.google.protobuf.ByteString;
import io.keel.raft.ProposeResult;
import io.keel.raft.RaftConfig;
import io.keel.raft.ReadMode;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.log.CompactedException;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.raft.runtime.Completion;
import io.keel.raft.runtime.LogStore;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.ReadAnswer;
import io.keel.raft.runtime.Refusal;
import io.keel.raft.runtime.RuntimeObserver;
import io.keel.raft.runtime.Stages;
import io.keel.raft.runtime.StateMachine;
import io.keel.raft.runtime.Transport;
import io.keel.raft.runtime.WriteOptions;
import io.keel.raft.sim.linearizability.History;
import io.keel.raft.sim.linearizability.LinearizabilityChecker;
import io.keel.raft.sim.linearizability.Operation;
import io.keel.raft.sim.linearizability.Verdict;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One seeded run of a Raft cluster on virtual time. Everything random comes from the seed, so a run replays
 * exactly. Members are real {@link io.keel.raft.RaftNode}s on {@link MemoryStorage}; the simulation plays network,
 * disks, clocks, clients and operator, injects the faults of a {@link FaultProfile}, and checks the safety
 * properties after every event. After the chaos it heals everything and checks liveness, convergence and the
 * linearizability of every client's history.
 */
public final class Simulation {
    static final long MS = 1_000_000L;
    static final double MAX_DRIFT = 0.05;
    static final String[] KEYS = {"a", "b", "c", "d"};
    static final int SNAPSHOT_EVERY = 40;

    /**
     * Election timeout, heartbeat interval and tick interval of a run. The launcher's smallest settings
     * (--heartbeat-interval 10 --election-timeout 50, ticks of 10 ms) leave less slack than one tick between a
     * follower's guard and the leader's lease; fine ticks put the guard's start close to the heartbeat's arrival.
     */
    public record Timing(long electionTimeout, long heartbeat, long tick) {
        static final Timing DEFAULT = new Timing(100 * MS, 20 * MS, 10 * MS);
        static final Timing LAUNCHER_SMALLEST = new Timing(50 * MS, 10 * MS, 10 * MS);
        static final Timing FINE_TICKS = new Timing(100 * MS, 20 * MS, 2 * MS);

        @Override
        public String toString() {
            return "election " + electionTimeout / MS + "ms, heartbeat " + heartbeat / MS + "ms, tick " + tick / MS + "ms";
        }
    }

    /** Everything that defines a run; derived from the seed alone so one number replays it. */
    public record Options(long seed, int size, FaultProfile profile, ReadMode readMode, long chaosNanos,
                          Timing timing) {
        private static final int[] SIZES = {1, 3, 5, 7};

        public static Options forSeed(long seed) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L);
            int size = SIZES[r.nextInt(SIZES.length)];
            FaultProfile profile = FaultProfile.values()[r.nextInt(FaultProfile.values().length)];
            ReadMode mode = r.nextBoolean() ? ReadMode.READ_INDEX : ReadMode.LEASE;
            long chaos = (1500 + r.nextInt(4000)) * MS;
            int t = r.nextInt(4);
            Timing timing = t == 0 ? Timing.LAUNCHER_SMALLEST : t == 1 ? Timing.FINE_TICKS : Timing.DEFAULT;
            return new Options(seed, size, profile, mode, chaos, timing);
        }

        String replayCommand() {
            return "./mvnw -q -pl raft-core test -Dtest=SimulationTest#replay -Dkeel.sim.seed=" + seed;
        }
    }

    public record Result(Options options, String failure, List<String> trace, int operations, Verdict verdict,
                         long virtualNanos, long events, Map<String, Long> stats) {
        public boolean passed() {
            return failure == null;
        }

        public String report() {
            if (passed()) {
                return "seed " + options.seed() + " passed: " + operations + " operations, " + verdict;
            }
            StringBuilder sb = new StringBuilder();
            sb.append("seed ").append(options.seed()).append(" FAILED (").append(options).append("): ")
                    .append(failure).append('\n');
            sb.append("replay: ").append(options.replayCommand()).append('\n');
            sb.append("last events:\n");
            for (String line : trace) sb.append("  ").append(line).append('\n');
            return sb.toString();
        }
    }

    /** A broken safety property: stops the run at once. */
    static final class Violation extends RuntimeException {
        Violation(String message) {
            super(message, null, false, false);
        }
    }

    private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final Options options;
    private final FaultProfile faults;
    private final SplittableRandom random;
    /** Which clients write through followers: its own stream, so the main one stays as it was for old seeds. */
    private final SplittableRandom forwardingChoice;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final long electionTimeout;
    private final long livenessBudget;
    /** Set for each seed: every member's clock at one edge of the drift bound. */
    private boolean extremeClocks;
    /** Until then the network is fast and loses nothing (the election after a lease edge). */
    private long fastNetworkUntil;
    private final TreeMap<Long, SimMember> members = new TreeMap<>();
    private final List<SimClient> clients = new ArrayList<>();
    private final History history = new History();
    /** The last 600 events by default; -Dkeel.sim.trace=N keeps more when a failure's cause lies further back. */
    private final Trace trace = new Trace(Integer.getInteger("keel.sim.trace", 600));
    private final Set<Long> blockedLinks = new HashSet<>();
    private final Set<Long> everInConfig = new HashSet<>();
    /**
     * index -> {term, payload hash, lowest term of a member that applied it} for every entry applied anywhere: the
     * committed log as the world saw it. The last field bounds the term in which the entry was committed from above.
     */
    private final TreeMap<Long, long[]> appliedEntries = new TreeMap<>();
    /** (index, term) -> {payload hash, previous entry's term}: by induction, the log matching property. */
    private final Map<String, long[]> persistedEntries = new HashMap<>();
    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    /** index -> term of every entry any member has known to be committed: committed entries never change. */
    private final Map<Long, Long> committedTerms = new HashMap<>();
    /** Index of the newest membership change any member applied. */
    private long latestConfChange;
    /** What happened, to show the faults and features were really exercised. */
    private final Map<String, Long> stats = new TreeMap<>();
    private final long maxMessageBytes;
    private final int maxInflight;
    private long now;
    private long seq;
    private long events;
    private long nextMemberId;
    /** Numbers every attempt of every operation, so an answer to an abandoned attempt is recognised. */
    private long nextAttempt;
    private boolean healed;
    private boolean clientsStopped;
    private boolean networkFaults = true;
    private SimClient probe;
    private long probeIndex = -1;

    public Simulation(Options options) {
        this.options = options;
        this.faults = options.profile();
        this.electionTimeout = options.timing().electionTimeout();
        this.livenessBudget = 40 * electionTimeout;
        this.random = new SplittableRandom(options.seed());
        this.forwardingChoice = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + 1);
        // Small messages split the log into many appends, so entries of old terms commit apart from new ones.
        this.maxMessageBytes = 32L << random.nextInt(8);
        this.maxInflight = 1 + random.nextInt(16);
    }

    public static Result run(long seed) {
        return new Simulation(Options.forSeed(seed)).run();
    }

    public Result run() {
        String failure = null;
        Verdict verdict = null;
        try {
            setUp();
            long deadline = options.chaosNanos() + livenessBudget + 10_000 * MS;
            while (!queue.isEmpty() && !finished()) {
                Event e = queue.poll();
                if (e.time() > deadline) {
                    throw new Violation("run did not finish by " + deadline / MS + "ms\n" + status());
                }
                now = e.time();
                events++;
                e.action().run();
                checkLeaders();
            }
            finalChecks();
            verdict = new LinearizabilityChecker(200_000).check(history);
            if (verdict instanceof Verdict.NotLinearizable n) {
                failure = "history not linearizable at key " + n.key() + ": " + n.explanation();
            }
        } catch (Violation v) {
            failure = v.getMessage();
        } catch (RuntimeException e) {
            java.io.StringWriter sw = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(sw));
            failure = "exception: " + sw;
        }
        stats.put("leaders", (long) leaderOfTerm.size());
        return new Result(options, failure, failure == null ? List.of() : trace.lines(), history.size(), verdict,
                now, events, stats);
    }

    // ------------------------------------------------------------------ set-up

    private RaftConfig config(long id) {
        return RaftConfig.defaults(id)
                .withTimeouts(Duration.ofNanos(electionTimeout), Duration.ofNanos(options.timing().heartbeat()))
                .withReadMode(options.readMode())
                .withMaxClockDrift(MAX_DRIFT)
                .withLimits(maxInflight, 64 * 1024, maxMessageBytes, 256 * 1024)
                .withRandomSeed(random.nextLong());
    }

    private void setUp() {
        extremeClocks = faults.extremeClocks || random.nextInt(3) == 0;
        long[] ids = new long[options.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = i + 1;
        nextMemberId = ids.length + 1;
        for (long id : ids) {
            addMember(id, MemoryStorage.bootstrap(ids));
            everInConfig.add(id);
        }
        int clientCount = 2 + random.nextInt(3);
        for (int i = 0; i < clientCount; i++) {
            SimClient c = new SimClient(i + 1);
            c.forwards = forwardingChoice.nextBoolean();
            clients.add(c);
            at(random.nextLong(5 * MS), () -> startOperation(c));
        }
        probe = new SimClient(0);
        if (faults.meanMillisBetweenPartitions > 0) scheduleRandomly(faults.meanMillisBetweenPartitions, this::partition);
        if (faults.meanMillisBetweenCrashes > 0) scheduleRandomly(faults.meanMillisBetweenCrashes, this::crashSome);
        if (faults.meanMillisBetweenDiskStalls > 0) scheduleRandomly(faults.meanMillisBetweenDiskStalls, this::stallDisk);
        if (faults.meanMillisBetweenPauses > 0) scheduleRandomly(faults.meanMillisBetweenPauses, this::pause);
        if (faults.meanMillisBetweenTickStalls > 0) scheduleRandomly(faults.meanMillisBetweenTickStalls, this::stallTicks);
        if (faults.meanMillisBetweenLeaseEdges > 0) scheduleRandomly(faults.meanMillisBetweenLeaseEdges, this::leaseEdge);
        if (faults.meanMillisBetweenLeaderChurns > 0) scheduleRandomly(faults.meanMillisBetweenLeaderChurns, this::churnLeader);
        if (faults.meanMillisBetweenOperatorActions > 0 && options.size() >= 3) {
            scheduleRandomly(faults.meanMillisBetweenOperatorActions, this::operatorAction);
        }
        at(options.chaosNanos(), this::heal);
    }

    private SimMember addMember(long id, MemoryStorage storage) {
        // Rates differ by at most MAX_DRIFT: each within half of it of the true rate. At the edges (slow leader,
        // fast followers) a lease is as close to the followers' guard as the bound allows.
        double rate = extremeClocks ? 1 + (random.nextBoolean() ? 0.4999 : -0.4999) * MAX_DRIFT
                : 1 + (random.nextDouble() - 0.5) * MAX_DRIFT;
        SimMember m = new SimMember(id, rate, random.nextLong(1_000_000 * MS), storage);
        members.put(id, m);
        start(m);
        return m;
    }

    private void start(SimMember m) {
        m.start(config(m.id), now);
        m.runtime = newRuntime(m);
        note(() -> "n" + m.id + " starts: " + m.node);
        scheduleTick(m);
        m.runtime.start();
    }

    private void at(long time, Runnable action) {
        queue.add(new Event(Math.max(time, now), seq++, action));
    }

    private void scheduleRandomly(long meanMillis, Runnable action) {
        long delay = (long) (-Math.log(1 - random.nextDouble()) * meanMillis * MS);
        at(now + delay, () -> {
            if (healed) return;
            action.run();
            scheduleRandomly(meanMillis, action);
        });
    }

    private void scheduleTick(SimMember m) {
        int epoch = m.epoch;
        long tick = options.timing().tick();
        long jitter = random.nextLong(tick / 10);
        long nextLocal = m.node.now() + tick + jitter;
        at(Math.max(now + 1, m.realTimeOf(nextLocal)), () -> tickWhenDue(m, epoch));
    }

    private void tickWhenDue(SimMember m, int epoch) {
        whenRunning(m, () -> {
            if (!m.up || m.epoch != epoch) return;
            if (m.ticksLateUntil > now) {
                at(m.ticksLateUntil, () -> tickWhenDue(m, epoch));
                return;
            }
            m.runtime.tick();
            scheduleTick(m);
        });
    }

    private void count(String what) {
        stats.merge(what, 1L, Long::sum);
    }

    /** Runs an action of member m now, or when its process resumes if it is paused (order is kept). */
    private void whenRunning(SimMember m, Runnable action) {
        if (m.pausedUntil > now) {
            at(m.pausedUntil, () -> whenRunning(m, action));
        } else {
            action.run();
        }
    }

    private void note(Supplier<String> line) {
        trace.add(now, line);
    }

    // ------------------------------------------------------------------ readys

    // The member runtime (io.keel.raft.runtime) drives each node exactly as it will drive the server's: the
    // simulation plays what it drives (the disk, the state machine, the network, the clock) and runs its stages on
    // the seeded scheduler, so the runtime's own ordering (persist before apply, answers after apply, forwarding,
    // lease reads, the snapshot gate) runs under every fault below.

    private MemberRuntime<SimMember.Applied> newRuntime(SimMember m) {
        int epoch = m.epoch;
        Stages stages = new Stages(
                new SimStage(m, epoch, () -> 0), // raft: a hand-back is its own event, after what runs now
                Runnable::run, // persist completion: on the disk's event, as the server's sync thread does
                new SimStage(m, epoch, this::applyDelay),
                readPool(m, epoch));
        Transport transport = messages -> {
            for (Message msg : messages) send(m, msg);
        };
        return new MemberRuntime<>(m.node, new SimLog(m, epoch), new SimMachine(m), transport, () -> m.localTime(now),
                stages, new MemberRuntime.Limits(10_000, electionTimeout), new RuntimeObserver() {
                    @Override
                    public void readyHandedOut(Ready r) {
                        if (r.softState() != null) {
                            note(() -> "n" + m.id + " is " + r.softState().role() + " in term " + r.softState().term()
                                    + " (leader " + r.softState().leaderId() + ")");
                        }
                    }
                }, (long) epoch * 1_000_000_000L);
    }

    /** An apply is usually at once, sometimes behind a busy moment, rarely behind a long one (a compaction). */
    private long applyDelay() {
        int r = random.nextInt(100);
        return r < 85 ? 0 : r < 99 ? random.nextLong(MS) : random.nextLong(20 * MS);
    }

    /**
     * The application executes a read when it gets to it: often at once, sometimes after a busy moment, which is
     * exactly when a lease that ended meanwhile must be caught by the re-check.
     */
    private long readDelay() {
        return random.nextInt(10) < 7 ? 0 : random.nextLong(30 * MS);
    }

    /** The read stage is a pool, as the server's: each read runs after its own delay, none waits behind another. */
    private Executor readPool(SimMember m, int epoch) {
        return task -> {
            if (!m.up || m.epoch != epoch) return;
            at(now + readDelay(), () -> whenRunning(m, () -> {
                if (m.up && m.epoch == epoch) task.run();
            }));
        };
    }

    /**
     * One serial stage of a member's process on the seeded scheduler: its tasks run in order, each after a drawn
     * delay, not while the process is paused, and never after the process (its epoch) ended.
     */
    private final class SimStage implements Executor {
        private final SimMember m;
        private final int epoch;
        private final LongSupplier delay;
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private boolean scheduled;

        SimStage(SimMember m, int epoch, LongSupplier delay) {
            this.m = m;
            this.epoch = epoch;
            this.delay = delay;
        }

        @Override
        public void execute(Runnable task) {
            if (!m.up || m.epoch != epoch) return;
            tasks.add(task);
            if (!scheduled) scheduleNext();
        }

        private void scheduleNext() {
            scheduled = true;
            at(now + delay.getAsLong(), () -> whenRunning(m, this::runOne));
        }

        private void runOne() {
            if (!m.up || m.epoch != epoch) {
                tasks.clear();
                return;
            }
            tasks.poll().run();
            if (tasks.isEmpty()) scheduled = false;
            else scheduleNext();
        }
    }

    /** The member's disk: writes become durable in order, each after a drawn latency, later while the disk stalls. */
    private final class SimLog implements LogStore {
        private final SimMember m;
        private final int epoch;

        SimLog(SimMember m, int epoch) {
            this.m = m;
            this.epoch = epoch;
        }

        @Override
        public void persist(Ready r, Done done) {
            m.diskQueue.addLast(r);
            long latency = now < fastNetworkUntil ? 20_000 + random.nextLong(80_000) : 50_000 + random.nextLong(1_500_000);
            long durableAt = Math.max(Math.max(now, m.diskFreeAt), m.diskStalledUntil) + latency;
            m.diskFreeAt = durableAt;
            at(durableAt, () -> whenRunning(m, () -> {
                if (!m.up || m.epoch != epoch) return;
                write(m, m.diskQueue.pollFirst());
                done.durable();
            }));
        }
    }

    private void write(SimMember m, Ready r) {
        if (r.snapshot() != null) {
            SnapshotMetadata meta = r.snapshot();
            KvMachine data = m.installedSnapshots.remove(meta.getIndex());
            if (data == null) {
                // The runtime's snapshot gate: the log may say "snapshot at N" only once the state of N is installed.
                throw new Violation("n" + m.id + " wrote snapshot " + meta.getIndex() + " before installing it");
            }
            m.storage.applySnapshot(meta);
            m.durableSnapshotData = data.copy();
        }
        if (!r.entries().isEmpty()) {
            m.storage.append(r.entries());
            for (Entry e : r.entries()) checkLogMatching(m, e);
        }
        if (r.hardState() != null) m.storage.setHardState(r.hardState());
    }

    /** The member's state machine, applied on its apply stage, with the world-wide checks of what is applied. */
    private final class SimMachine implements StateMachine<SimMember.Applied> {
        private final SimMember m;

        SimMachine(SimMember m) {
            this.m = m;
        }

        @Override
        public List<SimMember.Applied> apply(List<Entry> entries, ConfState conf) {
            // The configuration is that after this batch's entries: recorded before applying them, so a snapshot
            // taken at the end of the batch carries it.
            if (conf != null) m.confState = conf;
            List<SimMember.Applied> results = new ArrayList<>(entries.size());
            boolean latestConfiguration = false;
            for (Entry e : entries) {
                if (e.getType() == EntryType.ENTRY_CONF_CHANGE && e.getIndex() >= latestConfChange) {
                    latestConfChange = e.getIndex();
                    latestConfiguration = true;
                }
                // Applied only once durable: the runtime hands a batch over only after its Ready (and every one before
                // it) was written, so the member's disk holds every entry it applies.
                if (e.getIndex() > m.storage.lastIndex() || m.storage.term(e.getIndex()) != e.getTerm()) {
                    throw new Violation("n" + m.id + " applied entry " + e.getIndex() + "/" + e.getTerm()
                            + " that is not on its disk");
                }
                long hash = e.getData().hashCode() * 31L + e.getType().getNumber();
                long[] seen = appliedEntries.putIfAbsent(e.getIndex(), new long[] {e.getTerm(), hash, m.node.term()});
                if (seen != null && (seen[0] != e.getTerm() || seen[1] != hash)) {
                    throw new Violation("state machine safety: n" + m.id + " applied term " + e.getTerm()
                            + " at index " + e.getIndex() + " where another member applied term " + seen[0]);
                }
                if (seen != null) seen[2] = Math.min(seen[2], m.node.term());
                if (e.getIndex() != m.appliedIndex + 1) {
                    throw new Violation("n" + m.id + " applied " + e.getIndex() + " after " + m.appliedIndex);
                }
                if (e.getType() == EntryType.ENTRY_CONF_CHANGE && seen == null) count("membership changes");
                boolean effect = e.getType() != EntryType.ENTRY_NORMAL || m.machine.apply(e.getData());
                m.appliedIndex = e.getIndex();
                results.add(new SimMember.Applied(effect, e.getIndex()));
            }
            maybeCompact(m);
            // Only the newest configuration anyone applied: applies run late, and a leader applying an older one
            // after a follower applied a newer one would shut down a member the newer one added.
            if (conf != null && latestConfiguration) onConfiguration(m, conf);
            return results;
        }

        @Override
        public void installSnapshot(SnapshotMetadata meta) {
            KvMachine data = m.receivedSnapshots.remove(meta.getIndex());
            if (data == null) {
                throw new Violation("n" + m.id + " asked to install snapshot " + meta.getIndex() + " it never received");
            }
            if (meta.getIndex() <= m.appliedIndex) {
                throw new Violation("n" + m.id + " installed snapshot " + meta.getIndex() + " over applied index "
                        + m.appliedIndex + ": the state would go back");
            }
            m.installedSnapshots.put(meta.getIndex(), data);
            m.machine = data.copy();
            m.appliedIndex = meta.getIndex();
            m.confState = meta.getConfState();
            count("snapshots installed");
            note(() -> "n" + m.id + " installed snapshot at " + meta.getIndex());
        }

        @Override
        public ByteString tagOrigin(ByteString data, long member, long request) {
            return KvMachine.tagged(data, member, request);
        }

        @Override
        public long originRequest(Entry entry, long member) {
            long[] tag = KvMachine.tag(entry.getData());
            return tag != null && tag[0] == member ? tag[1] : -1;
        }
    }

    private void maybeCompact(SimMember m) {
        if (m.appliedIndex - m.storage.firstIndex() < SNAPSHOT_EVERY) return;
        long index = Math.min(m.appliedIndex, m.storage.lastIndex());
        if (index != m.appliedIndex) return;
        m.storage.compact(index, m.confState);
        m.durableSnapshotData = m.machine.copy();
    }

    // ------------------------------------------------------------------ network

    private static long link(long from, long to) {
        return from * 1_000_003L + to;
    }

    private boolean blocked(long from, long to) {
        return blockedLinks.contains(link(from, to));
    }

    private void send(SimMember from, Message msg) {
        SimMember to = members.get(msg.getTo());
        if (to == null || to == from) return;
        KvMachine snapshotData = null;
        if (msg.getType() == MessageType.MSG_SNAPSHOT) {
            if (from.storage.snapshotMetadata().getIndex() != msg.getSnapshot().getIndex()) {
                throw new Violation("n" + from.id + " sent snapshot " + msg.getSnapshot().getIndex()
                        + " but its storage holds " + from.storage.snapshotMetadata().getIndex());
            }
            snapshotData = from.durableSnapshotData.copy();
        }
        boolean fast = now < fastNetworkUntil;
        if (blocked(from.id, to.id) || (networkFaults && !fast && random.nextDouble() < faults.loss)) {
            note(() -> "drop " + describe(msg));
            snapshotLost(from, msg);
            return;
        }
        deliverLater(from, to, msg, snapshotData);
        // A forwarded proposal is not idempotent (the leader would append the write twice), so the transport
        // delivers messages at most once (TCP, never resent); every other message may be duplicated here.
        if (networkFaults && random.nextDouble() < faults.duplication && msg.getType() != MessageType.MSG_PROPOSE) {
            deliverLater(from, to, msg, snapshotData);
        }
    }

    private void deliverLater(SimMember from, SimMember to, Message msg, KvMachine snapshotData) {
        long delay;
        if (now < fastNetworkUntil) {
            delay = 20_000 + random.nextLong(80_000);
        } else {
            delay = 100_000 + random.nextLong(1_900_000);
            if (networkFaults && random.nextDouble() < faults.longDelay) delay += random.nextLong(200 * MS);
        }
        at(now + delay, () -> whenRunning(to, () -> {
            if (!to.up || blocked(from.id, to.id)) {
                note(() -> "lost " + describe(msg));
                snapshotLost(from, msg);
                return;
            }
            if (snapshotData != null) {
                to.receivedSnapshots.put(msg.getSnapshot().getIndex(), snapshotData);
                // The transport reports a completed stream; the leader then probes after the snapshot.
                if (from.up) from.runtime.reportSnapshot(to.id, true);
            }
            note(() -> "recv " + describe(msg));
            if (msg.getType() == MessageType.MSG_TIMEOUT_NOW) count("transfers");
            to.runtime.step(msg);
        }));
    }

    private void snapshotLost(SimMember from, Message msg) {
        if (msg.getType() != MessageType.MSG_SNAPSHOT) return;
        int epoch = from.epoch;
        // The transport reports a failed stream; raft-core then probes again.
        at(now + 10 * MS, () -> {
            if (from.up && from.epoch == epoch) from.runtime.reportSnapshot(msg.getTo(), false);
        });
    }

    private static String describe(Message m) {
        StringBuilder sb = new StringBuilder();
        sb.append(m.getFrom()).append("->").append(m.getTo()).append(' ')
                .append(m.getType().name().substring(4)).append(" t").append(m.getTerm());
        switch (m.getType()) {
            case MSG_APPEND -> sb.append(" prev=").append(m.getIndex()).append('/').append(m.getLogTerm())
                    .append(" n=").append(m.getEntriesCount()).append(" commit=").append(m.getCommit())
                    .append(" round=").append(m.getRound());
            case MSG_APPEND_RESPONSE -> sb.append(m.getReject() ? " REJECT " + m.getIndex() + " hint="
                    + m.getRejectHint() + "/" + m.getRejectHintTerm() : " index=" + m.getIndex())
                    .append(" round=").append(m.getRound());
            case MSG_HEARTBEAT -> sb.append(" commit=").append(m.getCommit()).append(" round=").append(m.getRound());
            case MSG_HEARTBEAT_RESPONSE -> sb.append(" round=").append(m.getRound());
            case MSG_VOTE, MSG_PRE_VOTE -> sb.append(" last=").append(m.getIndex()).append('/').append(m.getLogTerm())
                    .append(m.getTransfer() ? " transfer" : "");
            case MSG_VOTE_RESPONSE, MSG_PRE_VOTE_RESPONSE -> sb.append(m.getReject() ? " reject" : " grant");
            case MSG_SNAPSHOT -> sb.append(" index=").append(m.getSnapshot().getIndex());
            case MSG_READ_INDEX, MSG_READ_INDEX_RESPONSE -> sb.append(" read=").append(m.getReadId())
                    .append(" index=").append(m.getIndex());
            default -> { }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ clients

    private void startOperation(SimClient c) {
        if (c.op != null || clientsStopped) return;
        c.sequence++;
        int r = random.nextInt(100);
        String key = KEYS[random.nextInt(KEYS.length)];
        String value = "c" + c.id + "-" + c.sequence;
        SimClient.Kind kind = r < 45 ? SimClient.Kind.GET : r < 80 ? SimClient.Kind.PUT : SimClient.Kind.CAS;
        String expected = kind == SimClient.Kind.CAS ? lastValueSeen(key) : null;
        c.op = new SimClient.Op(kind, key, value, expected, now, c.sequence);
        invoke(c);
    }

    /** CAS expects the value of a recent write, so that some succeed and some fail. */
    private String lastValueSeen(String key) {
        List<Operation> ops = history.operations();
        for (int i = ops.size() - 1; i >= Math.max(0, ops.size() - 20); i--) {
            Operation o = ops.get(i);
            if (o.key().equals(key) && o.kind() != Operation.Kind.GET) return o.value();
            if (o.key().equals(key) && o.kind() == Operation.Kind.GET) return o.readValue();
        }
        return null;
    }

    private SimMember pickTarget(SimClient c) {
        SimMember hinted = members.get(c.leaderHint);
        // A forwarding client ignores the hint for writes: any member takes them.
        boolean anyMember = c.forwards && c.op != null && c.op.kind != SimClient.Kind.GET;
        if (hinted != null && hinted.up && !anyMember && random.nextInt(10) > 0) return hinted;
        List<SimMember> up = members.values().stream().filter(m -> m.up).toList();
        return up.isEmpty() ? null : up.get(random.nextInt(up.size()));
    }

    private void invoke(SimClient c) {
        SimClient.Op op = c.op;
        SimMember target = pickTarget(c);
        if (target == null) {
            at(now + 5 * MS, () -> invokeAgain(c, op));
            return;
        }
        op.at = target;
        if (target.pausedUntil > now) {
            // The request waits in the paused process's socket; the client's clock runs on.
            at(target.pausedUntil, () -> {
                if (c.op == op && op.at == target) {
                    op.at = null;
                    invokeOn(c, op, target);
                }
            });
            return;
        }
        invokeOn(c, op, target);
    }

    private void invokeOn(SimClient c, SimClient.Op op, SimMember target) {
        if (!target.up) {
            retry(c);
            return;
        }
        op.at = target;
        long attempt = ++nextAttempt;
        op.attempt = attempt;
        long timeout = 30 * electionTimeout;
        long deadline = target.localTime(now) + timeout;
        if (op.kind == SimClient.Kind.GET) {
            target.runtime.read(() -> target.machine.get(op.key), deadline, new Completion<ReadAnswer<String>>() {
                @Override
                public void completed(ReadAnswer<String> answer) {
                    if (c.op != op || op.attempt != attempt) return;
                    if (answer.byLease()) {
                        checkLeaseSafety(target, answer.leaseTerm());
                        count("lease reads");
                    } else {
                        count("read-index reads");
                    }
                    history.add(Operation.get(c.id, op.key, op.invokedAt, now, answer.value()));
                    note(() -> "client " + c.id + " " + op + " = " + answer.value() + " at n" + target.id
                            + (answer.byLease() ? " (lease)" : ""));
                    finish(c);
                }

                @Override
                public void refused(Refusal refusal) {
                    if (c.op == op && op.attempt == attempt) retry(c);
                }
            });
        } else {
            ByteString cmd = op.kind == SimClient.Kind.PUT ? KvMachine.put(op.key, op.value)
                    : KvMachine.cas(op.key, op.expected, op.value);
            WriteOptions options = c.forwards ? WriteOptions.FORWARD : WriteOptions.LEADER_ONLY;
            MemberRuntime.Admission admission = target.runtime.propose(cmd, options, deadline,
                    new Completion<SimMember.Applied>() {
                        @Override
                        public void completed(SimMember.Applied applied) {
                            if (c.op != op || op.attempt != attempt) return;
                            if (op.forwarded) count("forwarded writes applied");
                            op.index = applied.index();
                            completeWrite(c, applied.effect());
                        }

                        @Override
                        public void refused(Refusal refusal) {
                            if (c.op != op || op.attempt != attempt) return;
                            note(() -> "client " + c.id + " " + op + " at n" + target.id + ": " + refusal);
                            if (refusal.kind().mayHaveApplied()) {
                                unknownOutcome(c);
                            } else if (refusal.kind() == Refusal.Kind.LOST) {
                                retry(c); // another entry took the slot: the proposal was definitely lost
                            } else {
                                c.leaderHint = refusal.leaderHint();
                                op.at = null;
                                at(now + MS + random.nextLong(5 * MS), () -> invokeAgain(c, op));
                            }
                        }
                    });
            switch (admission) {
                case PROPOSED -> {
                    c.leaderHint = target.id;
                    note(() -> "client " + c.id + " " + op + " proposed at n" + target.id);
                }
                case FORWARDED -> {
                    op.forwarded = true;
                    count("forwarded writes");
                    long leader = target.node.leaderId(); // now: the node is gone if the member crashes later
                    note(() -> "client " + c.id + " " + op + " forwarded by n" + target.id + " to n" + leader);
                }
                case PARKED -> {
                    count("writes parked while no leader was known");
                    note(() -> "client " + c.id + " " + op + " parked at n" + target.id + ": no leader known");
                }
                case REFUSED -> {
                    return; // the completion was told, and scheduled the retry
                }
            }
        }
        // The client's own timeout, in case the member never answers (a paused process does not even tick).
        at(now + timeout, () -> {
            if (c.op == op && op.at == target && op.attempt == attempt) {
                if (op.kind == SimClient.Kind.GET) retry(c);
                else unknownOutcome(c);
            }
        });
    }

    /** The same operation, tried again: it has had no effect so far. */
    private void invokeAgain(SimClient c, SimClient.Op op) {
        if (c.op == op && !clientsStopped) invoke(c);
        else if (c.op == op) c.op = null;
    }

    /** A definite failure: nothing happened; the client tries again (as a new attempt of the same operation). */
    private void retry(SimClient c) {
        SimClient.Op op = c.op;
        if (op == null) return;
        op.at = null;
        c.leaderHint = 0;
        at(now + MS + random.nextLong(5 * MS), () -> invokeAgain(c, op));
    }

    private void completeWrite(SimClient c, boolean effect) {
        SimClient.Op op = c.op;
        if (op.kind == SimClient.Kind.PUT) {
            history.add(Operation.put(c.id, op.key, op.value, op.invokedAt, now));
        } else {
            history.add(Operation.cas(c.id, op.key, op.expected, op.value, op.invokedAt, now, effect));
        }
        note(() -> "client " + c.id + " " + op + " ok" + (op.kind == SimClient.Kind.CAS ? "=" + effect : ""));
        if (c == probe && probeIndex < 0) probeIndex = op.index;
        finish(c);
    }

    /** The write may or may not take effect, now or later: recorded as such for the checker. */
    private void unknownOutcome(SimClient c) {
        SimClient.Op op = c.op;
        if (op == null) return;
        if (op.kind == SimClient.Kind.PUT) {
            history.add(Operation.putUnknown(c.id, op.key, op.value, op.invokedAt));
        } else if (op.kind == SimClient.Kind.CAS) {
            history.add(Operation.casUnknown(c.id, op.key, op.expected, op.value, op.invokedAt));
        }
        note(() -> "client " + c.id + " " + op + " outcome unknown");
        finish(c);
    }

    private void finish(SimClient c) {
        c.op = null;
        if (c == probe) {
            if (probeIndex < 0) at(now + 5 * MS, this::probeLiveness);
            return;
        }
        at(now + random.nextLong(3 * MS), () -> startOperation(c));
    }

    // ------------------------------------------------------------------ faults

    private List<Long> upIds() {
        return members.values().stream().filter(m -> m.up).map(m -> m.id).toList();
    }

    private void partition() {
        List<Long> ids = new ArrayList<>(members.keySet());
        if (ids.size() < 2) return;
        blockedLinks.clear();
        int kind = random.nextInt(6);
        String description;
        switch (kind) {
            case 0 -> { // symmetric split into two sides
                Set<Long> side = randomSubset(ids);
                for (long a : ids) for (long b : ids) if (side.contains(a) != side.contains(b)) block(a, b);
                description = "symmetric " + side + " | rest";
            }
            case 1 -> { // asymmetric: one member's outgoing messages are lost, incoming arrive
                long victim = ids.get(random.nextInt(ids.size()));
                for (long b : ids) if (b != victim) block(victim, b);
                description = "asymmetric: " + victim + " cannot send";
            }
            case 2 -> { // bridge: two sides that only one member connects
                long bridge = ids.get(random.nextInt(ids.size()));
                List<Long> rest = new ArrayList<>(ids);
                rest.remove(bridge);
                Set<Long> side = randomSubset(rest);
                for (long a : rest) for (long b : rest) if (side.contains(a) != side.contains(b)) block(a, b);
                description = "bridge " + bridge + " between " + side + " and the rest";
            }
            case 3 -> { // ring: each member hears only its neighbours
                int n = ids.size();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        int d = Math.abs(i - j);
                        if (i != j && Math.min(d, n - d) > 1) block(ids.get(i), ids.get(j));
                    }
                }
                description = "ring " + ids;
            }
            case 4 -> { // one link: the leader and one follower cannot talk, both hear the others
                SimMember leader = leader();
                long a = leader != null ? leader.id : ids.get(random.nextInt(ids.size()));
                List<Long> others = new ArrayList<>(ids);
                others.remove(a);
                long b = others.get(random.nextInt(others.size()));
                block(a, b);
                block(b, a);
                description = "link " + a + " <-> " + b + " cut";
            }
            default -> { // the leader alone
                long leader = members.values().stream().filter(m -> m.up && m.node.role() == Role.LEADER)
                        .map(m -> m.id).findFirst().orElse(ids.get(0));
                for (long b : ids) if (b != leader) {
                    block(leader, b);
                    block(b, leader);
                }
                description = "leader " + leader + " isolated";
            }
        }
        note(() -> "partition: " + description);
        count("partitions");
        Set<Long> mine = new HashSet<>(blockedLinks);
        at(now + (50 + random.nextLong(1200)) * MS, () -> {
            if (blockedLinks.equals(mine)) {
                blockedLinks.clear();
                note(() -> "partition healed");
            }
        });
    }

    private Set<Long> randomSubset(List<Long> ids) {
        Set<Long> side = new HashSet<>();
        int size = 1 + random.nextInt(ids.size() - 1);
        List<Long> shuffled = new ArrayList<>(ids);
        for (int i = 0; i < size; i++) side.add(shuffled.remove(random.nextInt(shuffled.size())));
        return side;
    }

    private void block(long from, long to) {
        blockedLinks.add(link(from, to));
    }

    private void crashSome() {
        List<SimMember> candidates = members.values().stream().filter(m -> m.up).toList();
        if (candidates.isEmpty()) return;
        SimMember leader = leader();
        List<SimMember> victims = random.nextInt(10) == 0 ? candidates // everyone at once (fault 10)
                : leader != null && random.nextBoolean() ? List.of(leader)
                : List.of(candidates.get(random.nextInt(candidates.size())));
        for (SimMember m : victims) {
            crash(m);
            at(now + (20 + random.nextLong(1000)) * MS, () -> {
                if (!m.up && !m.decommissioned) start(m);
            });
        }
    }

    private void crash(SimMember m) {
        note(() -> "n" + m.id + " crashes (unpersisted: " + m.diskQueue.size() + " batches)");
        count("crashes");
        if (!m.diskQueue.isEmpty()) count("crashes losing unpersisted writes");
        // The process dies: its runtime refuses every request it held (STOPPED), which the clients see as a lost
        // connection: writes of unknown outcome, reads to retry.
        m.runtime.stop();
        m.crash();
    }

    /** Fault 5: a process, usually the leader, stops for longer than an election timeout and then resumes. */
    private void pause() {
        SimMember leader = leader();
        List<SimMember> up = members.values().stream().filter(m -> m.up && m.pausedUntil <= now).toList();
        if (up.isEmpty()) return;
        SimMember m = leader != null && leader.pausedUntil <= now && random.nextInt(10) < 7 ? leader
                : up.get(random.nextInt(up.size()));
        m.pausedUntil = now + (20 + random.nextLong(400)) * MS;
        note(() -> "n" + m.id + " paused until " + m.pausedUntil / MS + "ms");
        count("pauses");
    }

    /**
     * A busy raft thread (a burst of queued work, a slow read, a GC pause): its ticks come late, by up to three
     * election timeouts. Half the time it still handles messages meanwhile, at the clock of its last tick; the other
     * half everything waits, and the queued messages are handled first, at that stale clock, before the late tick.
     */
    private void stallTicks() {
        SimMember leader = leader();
        List<SimMember> up = members.values().stream().filter(m -> m.up && m.ticksLateUntil <= now).toList();
        if (up.isEmpty()) return;
        SimMember m = leader != null && up.contains(leader) && random.nextInt(10) < 3 ? leader
                : up.get(random.nextInt(up.size()));
        long heartbeat = options.timing().heartbeat();
        long end = now + heartbeat / 2 + random.nextLong(3 * electionTimeout);
        boolean messagesWait = random.nextBoolean();
        if (messagesWait) m.pausedUntil = Math.max(m.pausedUntil, end);
        // Just after the messages that waited until then: they are handled before the tick.
        m.ticksLateUntil = end + 1;
        note(() -> "n" + m.id + " ticks late until " + end / MS + "ms" + (messagesWait ? ", messages wait too" : ""));
        count("tick stalls");
    }

    /**
     * The moment a lease is closest to the followers' guard: right after a round a quorum answered, the leader is
     * cut off, and the others elect a new leader over a fast network and disk, as early as their guards allow.
     */
    private void leaseEdge() {
        SimMember leader = leader();
        if (leader == null || leader.node.leaseExpiresAt() <= leader.localTime(now)) return;
        blockedLinks.clear();
        for (long b : members.keySet()) {
            if (b == leader.id) continue;
            block(leader.id, b);
            block(b, leader.id);
        }
        fastNetworkUntil = now + 3 * electionTimeout;
        long leaseUntil = leader.node.leaseExpiresAt(); // now: the node is gone if the leader crashes later
        note(() -> "lease edge: leader n" + leader.id + " (lease until " + leaseUntil / MS
                + "ms its time) cut off; fast network until " + fastNetworkUntil / MS + "ms");
        count("lease edges");
        Set<Long> mine = new HashSet<>(blockedLinks);
        at(now + 4 * electionTimeout, () -> {
            if (blockedLinks.equals(mine)) blockedLinks.clear();
        });
    }

    /**
     * The leader is left with at most one follower for a moment (its new entries reach no majority), then
     * crashes; it restarts a little later. Repeated, this leaves uncommitted tails of several terms on different
     * members: the situation of the thesis's Figure 3.7.
     */
    private void churnLeader() {
        SimMember leader = leader();
        if (leader == null) return;
        List<Long> others = new ArrayList<>(members.keySet());
        others.remove(leader.id);
        Long kept = others.isEmpty() || random.nextBoolean() ? null : others.get(random.nextInt(others.size()));
        blockedLinks.clear();
        for (long b : others) {
            if (kept != null && b == kept) continue;
            block(leader.id, b);
            block(b, leader.id);
            if (kept != null) {
                block(kept, b);
                block(b, kept);
            }
        }
        note(() -> "churn: leader n" + leader.id + " left with " + (kept == null ? "no follower" : "n" + kept));
        count("leader churns");
        int epoch = leader.epoch;
        at(now + (2 + random.nextLong(30)) * MS, () -> {
            if (healed) return;
            blockedLinks.clear();
            if (!leader.up || leader.epoch != epoch) return;
            crash(leader);
            at(now + (10 + random.nextLong(200)) * MS, () -> {
                if (!leader.up && !leader.decommissioned) start(leader);
            });
        });
    }

    /**
     * A new leader crashes within a few milliseconds of its election: often between the acknowledgements of an
     * earlier term's entries and those of its own first entry, which is when counting replicas of an old entry
     * would commit it wrongly (Figure 3.7).
     */
    private void crashSoon(SimMember leader) {
        int epoch = leader.epoch;
        at(now + 50_000 + random.nextLong(5 * MS), () -> {
            if (healed || !leader.up || leader.epoch != epoch) return;
            note(() -> "churn: new leader n" + leader.id + " crashes");
            count("leader churns");
            crash(leader);
            at(now + (10 + random.nextLong(200)) * MS, () -> {
                if (!leader.up && !leader.decommissioned) start(leader);
            });
        });
    }

    private void stallDisk() {
        List<SimMember> up = members.values().stream().filter(m -> m.up).toList();
        if (up.isEmpty()) return;
        SimMember m = up.get(random.nextInt(up.size()));
        m.diskStalledUntil = now + (100 + random.nextLong(1500)) * MS;
        note(() -> "n" + m.id + " disk stalls until " + m.diskStalledUntil / MS + "ms");
        count("disk stalls");
    }

    // ------------------------------------------------------------------ operator

    private SimMember leader() {
        SimMember best = null;
        for (SimMember m : members.values()) {
            if (m.up && m.node.role() == Role.LEADER && (best == null || m.node.term() > best.node.term())) best = m;
        }
        return best;
    }

    private void operatorAction() {
        SimMember leader = leader();
        if (leader == null) return;
        ConfState conf = leader.node.configuration().toConfState();
        List<Long> voters = new ArrayList<>(conf.getVotersList());
        List<Long> learners = new ArrayList<>(conf.getLearnersList());
        int action = random.nextInt(5);
        ConfChange.Builder change = ConfChange.newBuilder();
        switch (action) {
            case 0 -> {
                if (members.values().stream().filter(m -> !m.decommissioned).count() >= 7) return;
                long id = nextMemberId++;
                addMember(id, new MemoryStorage());
                // Learner first (the advice), or a voter directly (etcd's member add without --learner, issue 15):
                // the new, empty member counts in the quorum at once; the checkers must still find every history
                // safe.
                change.addChanges(single(random.nextBoolean() ? ConfChangeType.ADD_LEARNER : ConfChangeType.ADD_VOTER,
                        id));
            }
            case 1 -> {
                if (learners.isEmpty()) return;
                change.addChanges(single(ConfChangeType.ADD_VOTER, learners.get(random.nextInt(learners.size()))));
            }
            case 2 -> {
                if (voters.size() <= 2) return;
                change.addChanges(single(ConfChangeType.REMOVE_MEMBER, voters.get(random.nextInt(voters.size()))));
            }
            case 3 -> { // replace a voter by a learner: two voter changes, so joint consensus
                if (learners.isEmpty() || voters.size() < 2) return;
                change.addChanges(single(ConfChangeType.ADD_VOTER, learners.get(random.nextInt(learners.size()))));
                change.addChanges(single(ConfChangeType.REMOVE_MEMBER, voters.get(random.nextInt(voters.size()))));
            }
            default -> {
                long target = voters.get(random.nextInt(voters.size()));
                ProposeResult r = leader.runtime.transferLeadership(target);
                note(() -> "operator: transfer leadership " + leader.id + " -> " + target + ": " + r);
                return;
            }
        }
        ConfChange cc = change.build();
        ProposeResult r = leader.runtime.proposeConfChange(cc);
        note(() -> "operator at n" + leader.id + ": " + cc.getChangesList().stream()
                .map(s -> s.getType() + " " + s.getMemberId()).toList() + " -> " + r);
    }

    private static ConfChangeSingle single(ConfChangeType type, long id) {
        return ConfChangeSingle.newBuilder().setType(type).setMemberId(id).build();
    }

    /** Members the configuration no longer names are shut down for good, as an operator would. */
    private void onConfiguration(SimMember m, ConfState conf) {
        Set<Long> named = new HashSet<>();
        named.addAll(conf.getVotersList());
        named.addAll(conf.getVotersOutgoingList());
        named.addAll(conf.getLearnersList());
        named.addAll(conf.getLearnersNextList());
        everInConfig.addAll(named);
        // An operator shuts a removed member down once a leader of the new configuration reports the change.
        if (m.node == null || m.node.role() != Role.LEADER || !named.contains(m.id)) return;
        for (SimMember other : members.values()) {
            if (!named.contains(other.id) && everInConfig.contains(other.id) && !other.decommissioned) {
                other.decommissioned = true;
                // As its own event: the member may be the one whose Ready is being handled.
                at(now, () -> {
                    note(() -> "n" + other.id + " removed from the configuration: shut down");
                    if (other.up) crash(other);
                });
            }
        }
    }

    // ------------------------------------------------------------------ invariants

    private void checkLeaders() {
        for (SimMember m : members.values()) {
            if (m.up) checkCommitted(m);
            if (m.up && m.node.role() == Role.LEADER && m.node.leaseExpiresAt() > m.localTime(now)) {
                // Stronger than checking served reads: whenever a leader believes its lease valid, no newer
                // leader may have committed anything (it could have acknowledged writes the old one would miss).
                checkLeaseSafety(m, m.node.term());
            }
        }
        for (SimMember m : members.values()) {
            if (!m.up || m.node.role() != Role.LEADER) continue;
            Long previous = leaderOfTerm.putIfAbsent(m.node.term(), m.id);
            if (previous == null) {
                checkLeaderCompleteness(m);
                if (faults.meanMillisBetweenLeaderChurns > 0 && !healed && random.nextBoolean()) crashSoon(m);
            } else if (previous != m.id) {
                throw new Violation("election safety: n" + previous + " and n" + m.id + " both leaders in term "
                        + m.node.term());
            }
        }
    }

    /**
     * Once any member knows an entry is committed, no member ever knows a different entry committed at that index
     * (checked at commit time, before anyone applies it, so a wrong commit is caught even if never applied).
     */
    private void checkCommitted(SimMember m) {
        var log = m.node.log();
        long committed = log.committed();
        for (long i = Math.max(m.checkedCommit + 1, log.firstIndex()); i <= committed; i++) {
            long term = log.term(i);
            Long seen = committedTerms.putIfAbsent(i, term);
            if (seen != null && seen != term) {
                throw new Violation("commit safety: n" + m.id + " holds index " + i + " of term " + term
                        + " as committed where another member committed term " + seen);
            }
        }
        m.checkedCommit = Math.max(m.checkedCommit, committed);
    }

    /**
     * Leader completeness (thesis §3.6.3): a leader of term T holds every entry committed in a term before T. An
     * entry applied by a member in term U was committed in a term no later than U, so leaders of terms above U
     * must hold it. (A stale leader of a lower term may legitimately lack it.)
     */
    private void checkLeaderCompleteness(SimMember leader) {
        var log = leader.node.log();
        for (var e : appliedEntries.tailMap(log.firstIndex(), true).entrySet()) {
            if (e.getValue()[2] >= leader.node.term()) continue;
            long index = e.getKey();
            if (index > log.lastIndex() || log.term(index) != e.getValue()[0]) {
                throw new Violation("leader completeness: n" + leader.id + " leads term " + leader.node.term()
                        + " without committed entry " + index + " (term " + e.getValue()[0] + ")");
            }
        }
    }

    /** Two persisted entries with the same (index, term) carry the same payload and follow the same term. */
    private void checkLogMatching(SimMember m, Entry e) {
        long prevTerm;
        try {
            prevTerm = m.storage.term(e.getIndex() - 1);
        } catch (CompactedException ex) {
            return;
        }
        long hash = e.getData().hashCode() * 31L + e.getType().getNumber();
        long[] seen = persistedEntries.putIfAbsent(e.getIndex() + "/" + e.getTerm(), new long[] {hash, prevTerm});
        if (seen != null && (seen[0] != hash || seen[1] != prevTerm)) {
            throw new Violation("log matching: n" + m.id + " persisted a different entry " + e.getIndex() + "/"
                    + e.getTerm() + " (or one after a different term)");
        }
    }

    /** No lease read while a leader of a higher term that has committed an entry of its term exists. */
    private void checkLeaseSafety(SimMember reader, long leaseTerm) {
        for (SimMember m : members.values()) {
            if (!m.up || m.node.role() != Role.LEADER || m.node.term() <= leaseTerm) continue;
            var log = m.node.log();
            if (log.term(log.committed()) == m.node.term()) {
                throw new Violation("lease safety: n" + reader.id + " relies on a lease of term " + leaseTerm
                        + " while n" + m.id + " leads term " + m.node.term() + " with commit " + log.committed());
            }
        }
    }

    /** Every member and client, for a failure report. */
    private String status() {
        StringBuilder sb = new StringBuilder();
        for (SimMember m : members.values()) {
            sb.append("  n").append(m.id).append(m.decommissioned ? " decommissioned" : m.up ? "" : " down");
            if (m.up) {
                sb.append(": ").append(m.node).append(" applied=").append(m.appliedIndex)
                        .append(" disk queue=").append(m.diskQueue.size()).append(" conf=").append(m.node.configuration());
                if (m.node.role() == Role.LEADER) {
                    for (long id : m.node.configuration().members()) {
                        sb.append("\n      progress of ").append(id).append(": ").append(m.node.progress(id));
                    }
                }
            }
            sb.append('\n');
        }
        for (SimClient c : clients) {
            sb.append("  client ").append(c.id).append(": ").append(c.op == null ? "idle" : c.op + " at "
                    + (c.op.at == null ? "-" : "n" + c.op.at.id) + " index " + c.op.index).append('\n');
        }
        sb.append("  probe index ").append(probeIndex).append(", probe op ").append(probe.op);
        return sb.toString();
    }

    // ------------------------------------------------------------------ the end

    private void heal() {
        healed = true;
        networkFaults = false;
        blockedLinks.clear();
        for (SimMember m : members.values()) {
            m.diskStalledUntil = 0;
            m.pausedUntil = Math.min(m.pausedUntil, now);
            m.ticksLateUntil = Math.min(m.ticksLateUntil, now);
            if (!m.up && !m.decommissioned) start(m);
        }
        note(() -> "healed: all faults stopped, all members up");
        at(now + 1, this::probeLiveness);
    }

    /** After healing, a write must commit within the liveness budget. */
    private void probeLiveness() {
        if (probeIndex >= 0 || probe.op != null) return;
        if (now > options.chaosNanos() + livenessBudget) {
            throw new Violation("liveness: no write committed within " + livenessBudget / electionTimeout
                    + " election timeouts after healing");
        }
        probe.sequence++;
        probe.op = new SimClient.Op(SimClient.Kind.PUT, "live", "probe-" + probe.sequence, null, now, probe.sequence);
        invoke(probe);
        if (probe.op != null && probe.op.at == null) {
            // refused; invoke scheduled a retry already
            return;
        }
    }

    private boolean finished() {
        if (probeIndex < 0) return false;
        clientsStopped = true;
        for (SimClient c : clients) if (c.op != null) return false;
        SimMember leader = leader();
        if (leader == null) return false;
        long committed = leader.node.log().committed();
        if (committed < probeIndex) return false;
        for (long id : leader.node.configuration().members()) {
            SimMember m = members.get(id);
            if (m == null || !m.up || m.appliedIndex != committed) return false;
        }
        return true;
    }

    private void finalChecks() {
        if (probeIndex < 0) throw new Violation("liveness: the run ended before a write committed after healing");
        SimMember leader = leader();
        KvMachine reference = leader.machine;
        for (long id : leader.node.configuration().members()) {
            SimMember m = members.get(id);
            if (!m.machine.equals(reference)) {
                throw new Violation("n" + m.id + " state " + m.machine + " differs from leader's " + reference
                        + " at index " + m.appliedIndex);
            }
        }
    }
}
