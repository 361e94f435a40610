package io.keel.raft.scenario;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.raft.ProposeResult;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.ReadMode;
import io.keel.raft.ReadState;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.log.CompactedException;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.log.RaftLog;
import io.keel.raft.membership.ConfChanger;
import io.keel.raft.membership.Configuration;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.proto.SnapshotMetadata;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A deterministic test bench for a handful of {@link RaftNode}s. Nothing happens by itself: time moves only when
 * {@link #tick} is called (each member has its own manual clock, in nanoseconds), and a message moves only when
 * {@link #deliver} is called. Every message a node sends waits in the network until then.
 *
 * <p>After every input the harness drains the node's Readys exactly as the {@link Ready} contract says: it queues
 * {@code messages}; installs the snapshot and writes entries and the hard state into the node's
 * {@link MemoryStorage} (the node's "disk"); queues {@code messagesAfterPersist} and calls {@code persisted};
 * applies {@code committedEntries} to a tiny key/value state machine ("key=value" payloads) and calls
 * {@code applied}; and records {@code readStates}. With {@linkplain #setManualPersist manual persistence} a node's
 * Readys are written only when {@link #persist} is called, so "sent after persist" and crashes between the two can
 * be staged; a {@link #crash} loses whatever was not written and rebuilds the node from its storage.
 *
 * <p>After every Ready the cluster checks two Raft safety invariants, failing at once with the trace: at most one
 * leader per term (Election Safety, thesis §3.6.3) and no two members ever committing different entries at the same
 * index (State Machine Safety / Leader Completeness).
 */
public final class ScenarioCluster {
    public static final long MS = 1_000_000L;

    /**
     * Members of the initial cluster are bootstrapped with {@link MemoryStorage#bootstrap}: entry 1 (term 1,
     * committed) names the voters, so every member, initial or added later, applies the same configuration history.
     * Settings shared by every member; each member's random seed is its id, so every run is identical. */
    public record Options(long electionTimeout, long heartbeatInterval, ReadMode readMode, int maxInflight,
                          long maxInflightBytes, long maxMessageBytes, long maxUncommittedBytes, double maxClockDrift,
                          long seedOffset) {
        public static Options defaults() {
            RaftConfig d = RaftConfig.defaults(1);
            return new Options(1000 * MS, 100 * MS, d.readMode(), d.maxInflightMessages(), d.maxInflightBytes(),
                    d.maxMessageBytes(), d.maxUncommittedBytes(), d.maxClockDrift(), 0);
        }

        RaftConfig config(long id) {
            return RaftConfig.defaults(id)
                    .withTimeouts(Duration.ofNanos(electionTimeout), Duration.ofNanos(heartbeatInterval))
                    .withReadMode(readMode)
                    .withLimits(maxInflight, maxInflightBytes, maxMessageBytes, maxUncommittedBytes)
                    .withMaxClockDrift(maxClockDrift)
                    .withRandomSeed(id + seedOffset);
        }
    }

    /** What a state machine snapshot holds: the key/value map and the configuration as of {@code index}. */
    record Image(long index, Map<String, String> kv, Configuration conf) {
        Image {
            kv = Map.copyOf(kv);
        }
    }

    /** A message on the wire. */
    public record Envelope(long seq, Message message) {
        public long from() {
            return message.getFrom();
        }

        public long to() {
            return message.getTo();
        }

        @Override
        public String toString() {
            return Describe.message(message);
        }
    }

    /** A read's answer and the member that produced it. */
    public record ReadAnswer(long member, ReadState state) {
    }

    /** One member: the node, its disk, its clock and its (volatile) state machine. */
    public final class Member {
        final long id;
        final RaftConfig config;
        final MemoryStorage storage;
        RaftNode node;
        long clock;
        boolean manualPersist;
        final ArrayDeque<Ready> unpersisted = new ArrayDeque<>();
        // The state machine: lost on a crash, rebuilt from the latest durable image plus the log.
        TreeMap<String, String> kv = new TreeMap<>();
        Configuration conf;
        long appliedIndex;
        /** Durable state machine images by snapshot index (the bytes a real snapshot file would hold). */
        final Map<Long, Image> images = new HashMap<>();
        /** Images streamed beside a MSG_SNAPSHOT, waiting for the Ready that installs them. */
        final Map<Long, Image> received = new HashMap<>();
        ProposeResult lastResult;
        /** The lease last written into the trace (Long.MIN_VALUE: none), so that each change shows once. */
        long leaseShown = Long.MIN_VALUE;

        Member(long id, MemoryStorage storage, long clock) {
            this.id = id;
            this.config = options.config(id);
            this.storage = storage;
            this.clock = clock;
            Image boot = new Image(0, Map.of(),
                    Configuration.fromConfState(storage.snapshotMetadata().getConfState()));
            images.put(0L, boot);
            start();
        }

        /** (Re)starts the node from what its storage holds; the state machine restarts from the latest image. */
        void start() {
            SnapshotMetadata snap = storage.snapshotMetadata();
            Image image = images.get(snap.getIndex());
            if (image == null) throw new IllegalStateException("member " + id + " has no image for its snapshot " + snap.getIndex());
            kv = new TreeMap<>(image.kv());
            conf = image.conf();
            appliedIndex = image.index();
            node = new RaftNode(config.withApplied(appliedIndex), storage, clock);
            // A driver ticks a node as soon as it starts.
            node.tick(clock);
        }

        public long id() {
            return id;
        }

        public RaftNode node() {
            return node;
        }

        public MemoryStorage storage() {
            return storage;
        }

        public long clock() {
            return clock;
        }

        public Map<String, String> kv() {
            return kv;
        }

        public long appliedIndex() {
            return appliedIndex;
        }

        public ProposeResult lastResult() {
            return lastResult;
        }

        public int unpersistedCount() {
            return unpersisted.size();
        }

        public boolean manualPersist() {
            return manualPersist;
        }
    }

    /** Thrown when a Raft safety invariant is broken; the script runner adds the trace. */
    public static final class InvariantViolation extends AssertionError {
        InvariantViolation(String message) {
            super(message);
        }
    }

    private final Options options;
    private final Map<Long, Member> members = new TreeMap<>();
    private final ArrayList<Envelope> network = new ArrayList<>();
    /** Messages delayed in the network: untouched by deliver, stabilize and run until released. */
    private final ArrayList<Envelope> held = new ArrayList<>();
    private long nextSeq;
    private int quietDrops;
    /** Directed links that drop everything: from * 2^32 + to. */
    private final Set<Long> cut = new HashSet<>();
    private final List<String> trace = new ArrayList<>();
    private final Map<Long, ReadAnswer> reads = new LinkedHashMap<>();
    private final Map<String, Integer> delivered = new HashMap<>();
    // Safety bookkeeping.
    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    private final Map<Long, Entry> committedAt = new HashMap<>();

    public ScenarioCluster(Options options, long... voters) {
        this.options = options;
        for (long id : voters) {
            members.put(id, new Member(id, MemoryStorage.bootstrap(voters), 0));
        }
        log("cluster of " + voters.length + ": voters " + Describe.ids(members.keySet()) + ", election timeout "
                + Describe.time(options.electionTimeout()) + ", heartbeat " + Describe.time(options.heartbeatInterval()));
        for (Member m : members.values()) process(m);
    }

    // ------------------------------------------------------------------ members

    public Options options() {
        return options;
    }

    public Member member(long id) {
        Member m = members.get(id);
        if (m == null) throw new IllegalArgumentException("no member " + id);
        return m;
    }

    public RaftNode node(long id) {
        return member(id).node;
    }

    public Collection<Member> members() {
        return members.values();
    }

    public Set<Long> ids() {
        return members.keySet();
    }

    /**
     * Starts a new member with an empty disk: it knows no configuration and learns everything, from the bootstrap
     * entry on, from the leader's log (or a snapshot) once it is added.
     */
    public Member start(long id, long clock) {
        if (members.containsKey(id)) throw new IllegalArgumentException("member " + id + " already exists");
        Member m = new Member(id, new MemoryStorage(), clock);
        members.put(id, m);
        log("started empty member " + id + " at " + Describe.time(clock));
        process(m);
        return m;
    }

    // ------------------------------------------------------------------ time

    /** Advances the clocks of {@code ids} by {@code duration}, in steps of at most {@code step}, members interleaved. */
    public void tick(Collection<Long> ids, long duration, long step) {
        if (step <= 0) throw new IllegalArgumentException("step must be positive");
        long done = 0;
        while (done < duration) {
            long d = Math.min(step, duration - done);
            done += d;
            for (long id : ids) {
                Member m = member(id);
                m.clock += d;
                m.node.tick(m.clock);
                process(m);
            }
        }
    }

    /**
     * Ticks {@code id} in steps until its election timer fires (it stops being a follower), for at most twice the
     * election timeout. The "campaign" of a script: there is no other way to make a node campaign.
     */
    public void campaign(long id, long step) {
        Member m = member(id);
        long limit = 2 * options.electionTimeout() + step;
        long waited = 0;
        while (m.node.role() == Role.FOLLOWER) {
            if (waited >= limit) {
                throw new AssertionError("member " + id + " did not campaign within " + Describe.time(limit)
                        + " (is it a voter? does it hold an unapplied configuration change?)");
            }
            m.clock += step;
            waited += step;
            m.node.tick(m.clock);
            process(m);
        }
        log(id + " campaigned after " + Describe.time(waited) + " at " + Describe.time(m.clock));
    }

    /** Lets time pass for everyone with a working network: ticks all members by step, then delivers until quiet. */
    public void run(long duration, long step) {
        long done = 0;
        while (done < duration) {
            long d = Math.min(step, duration - done);
            done += d;
            tick(members.keySet(), d, d);
            stabilize();
        }
    }

    // ------------------------------------------------------------------ network

    private static long link(long from, long to) {
        return (from << 32) + to;
    }

    public boolean isCut(long from, long to) {
        return cut.contains(link(from, to));
    }

    public void cut(long from, long to) {
        cut.add(link(from, to));
        dropQueued(e -> e.from() == from && e.to() == to, "link cut");
    }

    /** Cuts every link between different groups, both ways; queued messages crossing the cut are lost. */
    public void partition(List<Set<Long>> groups) {
        for (int i = 0; i < groups.size(); i++) {
            for (int j = 0; j < groups.size(); j++) {
                if (i == j) continue;
                for (long a : groups.get(i)) {
                    for (long b : groups.get(j)) cut.add(link(a, b));
                }
            }
        }
        dropQueued(e -> isCut(e.from(), e.to()), "partitioned");
    }

    public void heal() {
        cut.clear();
    }

    public List<Envelope> queued() {
        return List.copyOf(network);
    }

    public List<Envelope> queued(Predicate<Envelope> filter) {
        List<Envelope> out = new ArrayList<>();
        for (Envelope e : network) if (filter.test(e)) out.add(e);
        return out;
    }

    /** Puts a hand-made message on the wire (its sender need not exist). */
    public void inject(Message m) {
        network.add(new Envelope(nextSeq++, m));
        log("injected " + Describe.message(m));
    }

    /**
     * Delivers, in order, at most {@code limit} queued messages matching {@code filter}; returns how many arrived
     * (a message on a cut link or to a missing member is lost instead).
     */
    public int deliver(Predicate<Envelope> filter, int limit) {
        int n = 0;
        for (Envelope e : queued(filter)) {
            if (n >= limit) break;
            if (!network.contains(e)) continue; // lost meanwhile (a crash or a partition during this delivery)
            if (deliverOne(e)) n++;
        }
        return n;
    }

    /** Delivers everything queued now (new messages wait for the next call). */
    public int deliverAll() {
        return deliver(e -> true, Integer.MAX_VALUE);
    }

    /** Delivers until no message is left (messages on cut links are lost). */
    public void stabilize() {
        for (int round = 0; !network.isEmpty(); round++) {
            if (round > 1000) throw new AssertionError("the cluster does not quiesce: messages keep flowing");
            deliverAll();
        }
    }

    /** Delays matching messages: they stay on the wire, but nothing delivers them until {@link #release}. */
    public int hold(Predicate<Envelope> filter) {
        List<Envelope> h = queued(filter);
        network.removeAll(h);
        held.addAll(h);
        for (Envelope e : h) log("  ~ " + e + "  (held in the network)");
        return h.size();
    }

    /** Puts held messages back on the wire, behind everything queued meanwhile. */
    public int release(Predicate<Envelope> filter) {
        List<Envelope> r = new ArrayList<>();
        for (Envelope e : held) if (filter.test(e)) r.add(e);
        held.removeAll(r);
        network.addAll(r);
        for (Envelope e : r) log("  ~ " + e + "  (released)");
        return r.size();
    }

    public int drop(Predicate<Envelope> filter, int limit) {
        int n = 0;
        for (Envelope e : queued(filter)) {
            if (n >= limit) break;
            network.remove(e);
            lost(e, "dropped");
            n++;
        }
        return n;
    }

    private void dropQueued(Predicate<Envelope> filter, String why) {
        for (Envelope e : queued(filter)) {
            network.remove(e);
            lost(e, why);
        }
    }

    private void lost(Envelope e, String why) {
        log("  x " + e + "  (" + why + ")");
        if (e.message().getType() == MessageType.MSG_SNAPSHOT) {
            // The transport tells the leader that the snapshot did not make it.
            Member sender = members.get(e.from());
            if (sender != null) {
                sender.node.reportSnapshot(e.to(), false);
                process(sender);
            }
        }
    }

    private boolean deliverOne(Envelope e) {
        network.remove(e);
        Message m = e.message();
        Member to = members.get(m.getTo());
        if (to == null) {
            lost(e, "no such member");
            return false;
        }
        if (isCut(m.getFrom(), m.getTo())) {
            lost(e, "link cut");
            return false;
        }
        count(m);
        log("  " + e);
        Member from = members.get(m.getFrom());
        if (m.getType() == MessageType.MSG_SNAPSHOT) {
            // The snapshot's bytes travel beside the metadata.
            Image image = from == null ? null : from.images.get(m.getSnapshot().getIndex());
            if (image == null) throw new IllegalStateException("sender " + m.getFrom() + " has no image at " + m.getSnapshot().getIndex());
            to.received.put(image.index(), image);
        }
        to.node.step(m);
        process(to);
        if (m.getType() == MessageType.MSG_SNAPSHOT && from != null) {
            from.node.reportSnapshot(m.getTo(), true);
            process(from);
        }
        return true;
    }

    private void count(Message m) {
        String key = m.getFrom() + "->" + m.getTo() + " " + Describe.type(m.getType());
        delivered.merge(key, 1, Integer::sum);
        if (m.getReject()) delivered.merge(key + "/reject", 1, Integer::sum);
    }

    /** Messages of {@code type} (suffix "/reject" for rejections only) delivered from -> to since the last reset. */
    public int deliveredCount(long from, long to, String type) {
        return delivered.getOrDefault(from + "->" + to + " " + type, 0);
    }

    public void resetCounters() {
        delivered.clear();
    }

    private void send(Member from, Message m) {
        if (isCut(m.getFrom(), m.getTo())) {
            if (m.getType() == MessageType.MSG_HEARTBEAT || m.getType() == MessageType.MSG_HEARTBEAT_RESPONSE) {
                quietDrops++; // summarised: they would drown the trace
                return;
            }
            lost(new Envelope(nextSeq++, m), "link cut");
            return;
        }
        network.add(new Envelope(nextSeq++, m));
    }

    // ------------------------------------------------------------------ inputs

    public List<ProposeResult> propose(long id, List<String> payloads) {
        return propose(id, payloads, false);
    }

    /** Proposals at any member: a follower that knows the leader forwards them there. */
    public List<ProposeResult> proposeOrForward(long id, List<String> payloads) {
        return propose(id, payloads, true);
    }

    private List<ProposeResult> propose(long id, List<String> payloads, boolean forward) {
        Member m = member(id);
        List<ProposeResult> results = new ArrayList<>();
        for (String p : payloads) {
            ByteString data = ByteString.copyFrom(p, StandardCharsets.UTF_8);
            ProposeResult r = forward ? m.node.proposeOrForward(data) : m.node.propose(data);
            m.lastResult = r;
            results.add(r);
            log(id + " propose " + (p.isEmpty() ? "(empty)" : p) + " -> " + result(r));
        }
        process(m);
        return results;
    }

    public ProposeResult proposeConfChange(long id, ConfChange change) {
        Member m = member(id);
        ProposeResult r = m.node.proposeConfChange(change);
        m.lastResult = r;
        log(id + " propose " + Describe.confChange(Entry.newBuilder().setData(change.toByteString()).build())
                + " -> " + result(r));
        process(m);
        return r;
    }

    public ProposeResult transfer(long id, long target) {
        Member m = member(id);
        ProposeResult r = m.node.transferLeadership(target);
        m.lastResult = r;
        log(id + " transfer leadership to " + target + " -> " + result(r));
        process(m);
        return r;
    }

    public void read(long id, List<Long> readIds) {
        Member m = member(id);
        for (long readId : readIds) {
            if (reads.containsKey(readId)) throw new IllegalArgumentException("read id " + readId + " was used before");
            m.node.read(readId);
        }
        log(id + " read " + readIds);
        process(m);
    }

    public ReadAnswer readAnswer(long readId) {
        return reads.get(readId);
    }

    // ------------------------------------------------------------------ disk

    public void setManualPersist(long id, boolean manual) {
        Member m = member(id);
        m.manualPersist = manual;
        log(id + " persists " + (manual ? "only when told (manual)" : "at once (auto)"));
        if (!manual) persist(id, Integer.MAX_VALUE);
    }

    /** Completes the oldest {@code count} Readys waiting to be persisted, in order. */
    public int persist(long id, int count) {
        Member m = member(id);
        int n = 0;
        while (n < count && !m.unpersisted.isEmpty()) {
            Ready r = m.unpersisted.pollFirst();
            log(id + " persisted " + persistDescription(r));
            write(m, r);
            n++;
        }
        process(m);
        return n;
    }

    /**
     * Crashes the member and restarts it at once: Readys not yet persisted are lost, as are messages on their way
     * to it; the node is rebuilt from its MemoryStorage and its state machine from the latest durable image.
     */
    public void crash(long id) {
        Member m = member(id);
        int lost = m.unpersisted.size();
        m.unpersisted.clear();
        m.received.clear();
        dropQueued(e -> e.to() == id, "receiver crashed");
        m.start();
        log(id + " crashed (" + lost + " unpersisted Ready" + (lost == 1 ? "" : "s") + " lost) and restarted: "
                + Describe.hardState(m.storage.hardState()) + ", log " + m.storage.firstIndex() + ".." + m.storage.lastIndex());
        process(m);
    }

    /**
     * The member loses its disk and restarts under the same id with an empty one, as a data directory wiped by an
     * operator would: no log, no hard state, no configuration.
     */
    public void wipe(long id) {
        Member old = member(id);
        dropQueued(e -> e.to() == id, "receiver wiped");
        Member m = new Member(id, new MemoryStorage(), old.clock);
        members.put(id, m);
        log(id + " lost its disk and restarted empty under the same id");
        process(m);
    }

    /** Compacts the member's storage up to its applied index, keeping a state machine image there. */
    public long compact(long id) {
        Member m = member(id);
        long index = m.appliedIndex;
        m.images.put(index, new Image(index, m.kv, m.conf));
        m.storage.compact(index, m.conf.toConfState());
        log(id + " compacted its log up to " + index + " (" + Describe.conf(m.conf.toConfState()) + ")");
        return index;
    }

    // ------------------------------------------------------------------ Ready handling

    private void process(Member m) {
        int guard = 0;
        while (m.node.hasReady()) {
            if (++guard > 10_000) throw new AssertionError("member " + m.id + " produces Readys without end");
            handle(m, m.node.ready());
        }
        traceLease(m);
        checkElectionSafety(m);
        checkCommittedLogs(m);
    }

    private void handle(Member m, Ready r) {
        if (r.softState() != null) {
            log(m.id + " is " + r.softState().role() + " in term " + r.softState().term()
                    + (r.softState().leaderId() != 0 ? " (leader " + r.softState().leaderId() + ")" : ""));
        }
        // 1. Messages go out at once.
        for (Message msg : r.messages()) send(m, msg);
        // 2-3. Persist, then send what promises durability.
        boolean persistWork = r.mustPersist() || !r.messagesAfterPersist().isEmpty();
        if (m.manualPersist && (persistWork || !m.unpersisted.isEmpty())) {
            if (persistWork) {
                m.unpersisted.addLast(r);
                log(m.id + " must persist " + persistDescription(r) + " (waiting)");
            }
        } else {
            if (persistWork) log(m.id + " wrote " + persistDescription(r));
            write(m, r);
        }
        // 4. Apply (the entries handed out are already durable; applying may run ahead of the write above).
        apply(m, r);
        // 5. Reads.
        for (ReadState rs : r.readStates()) {
            reads.put(rs.readId(), new ReadAnswer(m.id, rs));
            log(m.id + " read " + rs.readId() + " -> " + (rs.rejected() ? "rejected"
                    : "index " + rs.index() + (rs.isLeaseRead() ? " (lease until " + Describe.time(rs.leaseExpiresAt()) + ")" : "")));
        }
    }

    private static String persistDescription(Ready r) {
        List<String> parts = new ArrayList<>();
        if (r.snapshot() != null) parts.add("snapshot " + r.snapshot().getIndex() + "/" + r.snapshot().getTerm());
        if (!r.entries().isEmpty()) parts.add("entries " + Describe.entries(r.entries()));
        if (r.hardState() != null) parts.add("hard state " + Describe.hardState(r.hardState()));
        if (!r.messagesAfterPersist().isEmpty()) parts.add(r.messagesAfterPersist().size() + " message(s) after");
        return String.join(", ", parts);
    }

    private void write(Member m, Ready r) {
        SnapshotMetadata snap = r.snapshot();
        if (snap != null) {
            Image image = m.received.remove(snap.getIndex());
            if (image == null) throw new IllegalStateException("member " + m.id + " has no image for snapshot " + snap.getIndex());
            m.storage.applySnapshot(snap);
            m.images.put(snap.getIndex(), image);
            m.kv = new TreeMap<>(image.kv());
            m.conf = image.conf();
            m.appliedIndex = snap.getIndex();
            log(m.id + " installed snapshot " + snap.getIndex() + "/" + snap.getTerm() + " " + Describe.conf(snap.getConfState()));
        }
        m.storage.append(r.entries());
        if (r.hardState() != null) m.storage.setHardState(r.hardState());
        for (Message msg : r.messagesAfterPersist()) send(m, msg);
        m.node.persisted(r);
    }

    private void apply(Member m, Ready r) {
        if (r.committedEntries().isEmpty()) return;
        log(m.id + " applies " + Describe.entries(r.committedEntries()));
        for (Entry e : r.committedEntries()) {
            if (e.getIndex() != m.appliedIndex + 1) {
                throw new InvariantViolation("member " + m.id + " was handed entry " + e.getIndex()
                        + " to apply after applying " + m.appliedIndex);
            }
            recordCommitted(m.id, e);
            if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
                try {
                    m.conf = ConfChanger.apply(m.conf, ConfChange.parseFrom(e.getData()));
                } catch (InvalidProtocolBufferException | ConfChanger.InvalidChange ex) {
                    throw new InvariantViolation("member " + m.id + " cannot apply " + Describe.entry(e) + ": " + ex.getMessage());
                }
                log(m.id + " applied " + Describe.entry(e) + " -> " + m.conf);
            } else if (!e.getData().isEmpty()) {
                String s = e.getData().toString(StandardCharsets.UTF_8);
                int eq = s.indexOf('=');
                if (eq < 0) m.kv.put(s, "");
                else m.kv.put(s.substring(0, eq), s.substring(eq + 1));
            }
            m.appliedIndex = e.getIndex();
        }
        if (r.confState() != null && r.snapshot() == null && !r.confState().equals(m.conf.toConfState())) {
            throw new InvariantViolation("member " + m.id + " reports configuration " + Describe.conf(r.confState())
                    + " but its applied entries give " + Describe.conf(m.conf.toConfState()));
        }
        m.node.applied(m.appliedIndex);
    }

    // ------------------------------------------------------------------ invariants

    private void checkElectionSafety(Member m) {
        if (m.node.role() != Role.LEADER) return;
        Long earlier = leaderOfTerm.putIfAbsent(m.node.term(), m.id);
        if (earlier != null && earlier != m.id) {
            throw new InvariantViolation("Election Safety broken: members " + earlier + " and " + m.id
                    + " were both leader in term " + m.node.term());
        }
    }

    private void recordCommitted(long member, Entry e) {
        Entry known = committedAt.putIfAbsent(e.getIndex(), e);
        if (known != null && !known.equals(e)) {
            throw new InvariantViolation("State Machine Safety broken: member " + member + " committed "
                    + Describe.entry(e) + " but " + Describe.entry(known) + " was committed at that index before");
        }
    }

    /** Every entry a member considers committed must be the one any member committed at that index. */
    private void checkCommittedLogs(Member m) {
        RaftLog log = m.node.log();
        for (long i = Math.max(1, log.firstIndex()); i <= log.committed(); i++) {
            long term;
            try {
                term = log.term(i);
            } catch (CompactedException ex) {
                continue;
            }
            Entry known = committedAt.get(i);
            if (known == null) {
                List<Entry> e = log.slice(i, i + 1, Long.MAX_VALUE);
                committedAt.put(i, e.get(0));
            } else if (known.getTerm() != term) {
                throw new InvariantViolation("State Machine Safety broken: member " + m.id + " has committed index "
                        + i + " in term " + term + " but " + Describe.entry(known) + " was committed there before");
            }
        }
    }

    // ------------------------------------------------------------------ reporting

    /** The lease is state no Ready reports: the trace shows each change of {@code RaftNode.leaseExpiresAt()}. */
    private void traceLease(Member m) {
        long lease = m.node.leaseExpiresAt();
        if (lease == m.leaseShown) return;
        m.leaseShown = lease;
        log(m.id + " lease " + (lease == Long.MIN_VALUE ? "none" : "until " + Describe.time(lease)));
    }

    /**
     * What the script caused, for its golden file: the whole trace (every command, every message delivered, lost,
     * held or released, every role change, write, applied entry, lease change, proposal and read answer), then
     * the cluster's state at the end, messages still on the wire included. Deterministic: members and links in id
     * order, virtual clocks only.
     */
    public List<String> golden() {
        List<String> out = new ArrayList<>(trace());
        out.add("--- end state ---");
        out.addAll(List.of(status().split("\n")));
        return out;
    }

    /** Adds a line to the trace; a script command ("> ...") first closes the previous one's summary of drops. */
    void log(String line) {
        if (line.startsWith("> ")) flushQuietDrops();
        trace.add(line);
    }

    private void flushQuietDrops() {
        if (quietDrops > 0) {
            int n = quietDrops;
            quietDrops = 0;
            trace.add("  x " + n + " heartbeat message" + (n == 1 ? "" : "s") + " lost on cut links");
        }
    }

    public List<String> trace() {
        flushQuietDrops();
        return trace;
    }

    static String result(ProposeResult r) {
        if (r instanceof ProposeResult.Accepted a) return "accepted at " + a.index() + " (term " + a.term() + ")";
        if (r instanceof ProposeResult.Forwarded f) return "forwarded to " + f.leader();
        ProposeResult.Refused f = (ProposeResult.Refused) r;
        return "refused " + f.reason() + " (" + f.message() + ")";
    }

    /** One line per member, then the messages on the wire. */
    public String status() {
        StringBuilder sb = new StringBuilder();
        for (Member m : members.values()) {
            RaftNode n = m.node;
            RaftLog log = n.log();
            sb.append("  ").append(m.id).append(": ").append(n.role()).append(" term=").append(n.term())
                    .append(" vote=").append(n.hardState().getVote()).append(" leader=").append(n.leaderId())
                    .append(" clock=").append(Describe.time(m.clock))
                    .append(" log=").append(logString(log))
                    .append(" commit=").append(log.committed()).append(" applied=").append(m.appliedIndex)
                    .append(" conf=").append(n.configuration());
            if (n.role() == Role.LEADER) {
                sb.append(" lease=").append(Describe.time(n.leaseExpiresAt()));
                if (n.transferee() != 0) sb.append(" transferee=").append(n.transferee());
                sb.append(" progress={");
                boolean first = true;
                for (long id : n.configuration().members()) {
                    if (id == m.id) continue;
                    if (!first) sb.append(", ");
                    first = false;
                    sb.append(id).append(": ").append(n.progress(id));
                }
                sb.append('}');
            }
            if (!m.unpersisted.isEmpty()) sb.append(" unpersisted=").append(m.unpersisted.size());
            sb.append(" kv=").append(m.kv).append('\n');
        }
        sb.append("  on the wire: ");
        if (network.isEmpty()) sb.append("nothing");
        for (Envelope e : network) sb.append("\n    ").append(e);
        if (!held.isEmpty()) sb.append("\n  held: ");
        for (Envelope e : held) sb.append("\n    ").append(e);
        if (!cut.isEmpty()) {
            List<String> links = new ArrayList<>();
            for (long l : cut) links.add((l >>> 32) + "->" + (l & 0xffffffffL));
            links.sort(null);
            sb.append("\n  cut links: ").append(links);
        }
        return sb.toString();
    }

    /** The log as "first..last [i/t ...]" (entries shown for short logs). */
    static String logString(RaftLog log) {
        long first = log.firstIndex();
        long last = log.lastIndex();
        StringBuilder sb = new StringBuilder().append(first).append("..").append(last);
        if (last - first < 12 && last >= first) {
            sb.append(' ').append(Describe.entries(log.slice(first, last + 1, Long.MAX_VALUE)));
        }
        return sb.toString();
    }

    /** Terms of the entries firstIndex..lastIndex. */
    public static List<Long> terms(RaftLog log) {
        List<Long> out = new ArrayList<>();
        for (long i = log.firstIndex(); i <= log.lastIndex(); i++) out.add(log.term(i));
        return out;
    }

}
