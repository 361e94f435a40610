package io.keel.server.member;

import io.keel.raft.ProposeResult;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.Message;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.RuntimeObserver;
import io.keel.raft.runtime.WriteOptions;
import io.keel.server.LeaderTransferException;
import io.keel.server.MemberStoppedException;
import io.keel.server.NotLeaderException;
import io.keel.server.ProposalRefusedException;
import io.keel.server.concurrent.Futures;
import io.keel.server.lease.LeaseForwarder;
import io.keel.server.lease.Lessor;
import io.keel.server.membership.DirectoryApplier;
import io.keel.server.membership.IncarnationCheck;
import io.keel.server.membership.MemberDirectory;
import io.keel.server.membership.PeerSync;
import io.keel.storage.log.GroupCommitLog;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.Response;
import io.keel.transport.InboundListener;
import io.keel.transport.ReceivedSnapshot;
import io.keel.transport.Transport;
import io.keel.transport.ElectionTiming;
import io.keel.transport.PeerAdmission;
import io.keel.transport.TlsContexts;
import io.keel.transport.TransportConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keel.server.concurrent.NamedThreads;
import java.util.ArrayList;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import com.google.protobuf.ByteString;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One Keel member: its data directory, the member runtime that drives its Raft node (raft-core's
 * {@link MemberRuntime}: persist, send, apply, answer, reads, forwarding) on the member's threads, and the peer
 * transport that joins it to the cluster. Writes and linearizable reads go through the runtime; serializable reads
 * read the local store.
 */
public final class Member implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Member.class);

    private final MemberConfig config;
    private final MemberStorage storage;
    private final GroupCommitLog commitLog;
    private final RaftLoop loop;
    /** Drives the node through Ready's contract; every request and peer message reaches it on the raft thread. */
    private final MemberRuntime<EntryOutcome> runtime;
    /** The runtime's clock: the lease it publishes is checked against it ({@link #holdsLeaderLease}). */
    private final MonotonicClock clock;
    private final Admission proposalAdmission;
    private final Admission readAdmission;
    private final ExecutorService readExecutor;
    private final ExecutorService snapshotSender;
    /** The runtime's apply stage: one thread, batches in order. */
    private final ThreadPoolExecutor applyThread;
    /** On a thread of its own: the store's flush before each compaction runs there, beside the apply thread. */
    private final LogCompaction logCompaction;
    private final Transport transport;
    private final Outbound outbound;
    private final SnapshotInstaller installer;
    /** What each Ready changes of the member's own state, before any of it is acted on (raft thread). */
    private final ReadyBookkeeping bookkeeping;
    private final Lessor lessor;
    /** Keep-alives and time-to-live answered by the leader's lessor, forwarded outside the log (issue 16). */
    private final LeaseForwarder leaseForwarder;
    private final DirectoryApplier directory;
    private final IncarnationCheck peerAdmission;
    private final io.keel.server.auth.AuthApplier auth;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Counted down when {@link #close} has closed everything; later callers wait for it. */
    private final CountDownLatch closeFinished = new CountDownLatch(1);
    /** The thread running {@link #close} (set once, before {@link #closeFinished} is counted down). */
    private volatile Thread closingThread;
    private final LongAdder droppedPeerMessages = new LongAdder();
    /**
     * How long a keep-alive or time-to-live forwarded to the leader's lessor may take (LeaseForwarder): etcd's
     * request timeout (5 s plus two election timeouts). Client writes end at their own deadline instead
     * ({@link RequestDeadline}).
     */
    private final Duration forwardTimeout;
    /**
     * How long a write or linearizable read waits, parked in the runtime on the raft thread, for a leader to be known
     * before it fails with {@link NotLeaderException} (issue 19; a write's own deadline may end it first), and the
     * deadline of a write proposed without one of its own: a member just started, or in an election, answers once a
     * leader is elected instead of refusing what a moment later it would take.
     */
    private final Duration leaderWaitTimeout;
    /** Callers of {@link #awaitLeader} (raft thread only). */
    private final LeaderWaiters leaderWaiters = new LeaderWaiters();
    /** The leader as of the last soft state the raft thread handled (raft thread). */
    private long knownLeader;
    /** Leadership transfers waiting for their target to lead (raft thread only). */
    private final List<PendingTransfer> transfers = new ArrayList<>();
    private final List<Runnable> appliedListeners = new CopyOnWriteArrayList<>();
    private volatile Throwable failure;
    private final MemberObserver observer;
    /** The commit index as of the last Ready (raft thread writes). */
    private volatile long commitIndex;

    private Member(MemberConfig config, MemberObserver observer, Duration leaderWaitTimeout, TlsContexts peerTls)
            throws IOException {
        this.config = config;
        this.forwardTimeout = Duration.ofSeconds(5).plus(config.electionTimeout().multipliedBy(2));
        this.leaderWaitTimeout = leaderWaitTimeout;
        this.observer = observer;
        this.storage = MemberStorage.open(config, this::fail);
        boolean started = false;
        GroupCommitLog createdLog = null;
        ExecutorService createdReaders = null;
        ExecutorService createdSenders = null;
        Lessor createdLessor = null;
        Transport createdTransport = null;
        RaftLoop createdLoop = null;
        ThreadPoolExecutor createdApply = null;
        LogCompaction createdCompaction = null;
        try {
            RaftConfig raft = RaftConfig.defaults(config.memberId())
                    .withTimeouts(config.electionTimeout(), config.heartbeatInterval())
                    .withReadMode(config.readMode())
                    // Raft learns the configuration from the log's snapshot and the conf changes after it, so it
                    // starts from the snapshot index and hands out the entries after it again; the store answers
                    // those it already applied with AlreadyApplied (its applied index is durable with its data).
                    .withApplied(storage.log.snapshotMetadata().getIndex())
                    .withRandomSeed(System.nanoTime() ^ config.memberId());
            RaftNode node = new RaftNode(raft, storage.log, System.nanoTime());
            this.commitIndex = node.log().committed();
            this.commitLog = createdLog = new GroupCommitLog(storage.log);
            this.loop = createdLoop = new RaftLoop(node, config.tickInterval().toNanos());
            this.proposalAdmission = new Admission("proposals", config.maxPendingProposals());
            this.readAdmission = new Admission("linearizable reads", config.maxPendingReads());
            this.readExecutor = createdReaders =
                    Executors.newFixedThreadPool(2, NamedThreads.numbered("keel-read-" + hex(config.memberId())));
            this.snapshotSender = createdSenders =
                    Executors.newCachedThreadPool(NamedThreads.numbered("keel-snapshot-" + hex(config.memberId())));
            this.applyThread = createdApply = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), NamedThreads.single("keel-apply-" + hex(config.memberId())));
            this.logCompaction = createdCompaction = LogCompaction.onItsOwnThread(storage.log, this::fail);
            // Lease expiry: decided by the leader's lessor on its clock, proposed only while it holds its lease.
            this.lessor = createdLessor = new Lessor(config.memberId(), config.electionTimeout(), System::nanoTime,
                    this::proposeWithLeaderLease, this::holdsLeaderLease, this::confirmLeadership);
            this.directory = new DirectoryApplier(MemberDirectory.decode(storage.store.current().clusterRecord()));
            this.auth = new io.keel.server.auth.AuthApplier(
                    io.keel.server.auth.AuthState.decode(storage.store.current().authRecord()),
                    new io.keel.server.auth.SimpleTokens(System::nanoTime));
            this.installer = new SnapshotInstaller(config.memberId(), config.dataDir(), storage.storeOptions);
            this.bookkeeping = new ReadyBookkeeping(observer, lessor, installer);
            StoreStateMachine machine = new StoreStateMachine(storage.store, storage.log,
                    storage.log.initialState().confState(), installer, config.snapshotEntries(), logCompaction,
                    lessor::applied,
                    directory, auth, observer, () -> appliedListeners.forEach(Runnable::run));
            this.transport = createdTransport = Transport.start(transportConfig(config, storage.log.incarnation(), raft,
                    peerAdmission = new IncarnationCheck(directory::current), peerTls), new InboundListener() {
                @Override
                public void onMessage(Message message) {
                    if (LeaseForwarder.handles(message)) { // lease traffic, not Raft: never handed to the node
                        LeaseForwarder forwarder = leaseForwarder; // null only while this member starts
                        if (forwarder != null) forwarder.onMessage(message);
                        return;
                    }
                    observer.messageReceived(message);
                    if (!loop.offerPeerMessages(1, () -> step(message))) droppedPeerMessages.increment();
                }

                @Override
                public void onMessages(List<Message> messages) {
                    // A read burst's Raft messages reach the raft thread as one task: one wake-up, not one each.
                    List<Message> raftMessages = new ArrayList<>(messages.size());
                    for (Message message : messages) {
                        if (LeaseForwarder.handles(message)) {
                            onMessage(message);
                        } else {
                            observer.messageReceived(message);
                            raftMessages.add(message);
                        }
                    }
                    int n = raftMessages.size();
                    if (n == 0) return;
                    // Bounded in messages, not tasks (RaftLoop.MAX_QUEUED_PEER_MESSAGES); Raft resends the dropped.
                    if (!loop.offerPeerMessages(n, () -> raftMessages.forEach(Member.this::step))) {
                        droppedPeerMessages.add(n);
                    }
                }

                @Override
                public void onSnapshot(Message meta, ReceivedSnapshot snapshot) throws Exception {
                    installer.receive(meta, snapshot); // imported (and verified) before the leader is told
                    loop.execute(() -> step(meta));
                }
            });
            this.leaseForwarder = new LeaseForwarder(config.memberId(), lessor, () -> loop.softState().leaderId(),
                    () -> storage.store.current().appliedIndex(), transport::send, config.electionTimeout(),
                    forwardTimeout);
            this.outbound = new Outbound(transport, storage.store, snapshotSender,
                    (peer, delivered) -> loop.execute(() -> reportSnapshot(peer, delivered)), observer);
            this.clock = new MonotonicClock(ClockJumps.system(), config.memberId());
            // Requests wait inside the runtime up to both admissions' bounds together (each is also bounded here).
            MemberRuntime.Limits limits = new MemberRuntime.Limits(
                    config.maxPendingProposals() + config.maxPendingReads(), leaderWaitTimeout.toNanos());
            // Forwarded writes' request ids start at a random value, so that entries this member forwarded before a
            // restart, applied again after it, never match a new request.
            this.runtime = new MemberRuntime<>(node, new GroupCommitLogStore(commitLog, observer), machine, outbound,
                    clock, ServerStages.of(loop, applyThread, readExecutor), limits,
                    loop.recordingSoftState(new RuntimeObserver() {
                        @Override
                        public void readyHandedOut(Ready ready) {
                            noteReady(ready);
                        }

                        @Override
                        public void failed(Throwable cause) {
                            fail(cause);
                        }
                    }), StoreStateMachine.firstRequestId(new SecureRandom()));
            if (config.joinExisting()) {
                // A member added at run time may not know its peers' ids (its --initial-cluster gives addresses):
                // until the directory, which lists it, arrives from the leader, peers answering under another id
                // are taken under that id.
                transport.learnPeerIdsWhile(() -> directory.current().get(config.memberId()) == null);
            }
            // Peers follow the replicated member directory (the initial cluster only until it says otherwise).
            PeerSync peers = new PeerSync(transport, config.memberId(), config.initialAddresses());
            directory.addListener(peers);
            peers.accept(directory.current());
            loop.start(runtime, this::fail);
            lessor.start();
            started = true;
            LOG.info("member {} started in cluster {} with data in {} (incarnation {}; opened in {}), peers listen"
                    + " at {}", hex(config.memberId()), hex(config.clusterId()), config.dataDir(),
                    hex(storage.log.incarnation()), storage.openTimes, transport.localAddress());
        } finally {
            if (!started) {
                // Typically the peer port is taken (Transport.start fails); whatever did start is stopped, in
                // close()'s order, so a failed start leaves no thread, port or open database behind.
                if (createdLessor != null) createdLessor.close();
                if (createdTransport != null) createdTransport.close();
                if (createdLoop != null) createdLoop.stop(); // a loop never started has nothing to stop
                if (createdLog != null) createdLog.close();
                if (createdApply != null) Threads.stopAfterCurrentTask(createdApply);
                if (createdCompaction != null) createdCompaction.close(); // nothing applied: no round ran
                if (createdReaders != null) createdReaders.shutdownNow();
                if (createdSenders != null) createdSenders.shutdownNow();
                storage.close();
            }
        }
    }

    /**
     * Opens (or, for a new cluster, bootstraps) the data directory and joins the cluster. Storage refuses a foreign
     * or empty data directory with its own exception and message.
     */
    public static Member start(MemberConfig config) throws IOException {
        return start(config, MemberObserver.NONE);
    }

    /**
     * As {@link #start(MemberConfig)}, telling {@code observer} what happens (metrics). Requests wait for a leader
     * up to etcd's request timeout (5 s plus two election timeouts).
     */
    public static Member start(MemberConfig config, MemberObserver observer) throws IOException {
        return start(config, observer, Duration.ofSeconds(5).plus(config.electionTimeout().multipliedBy(2)));
    }

    /**
     * As {@link #start(MemberConfig, MemberObserver)}; a write or linearizable read made while no leader is known
     * waits up to {@code leaderWaitTimeout} for one before it fails with {@link NotLeaderException}.
     */
    public static Member start(MemberConfig config, MemberObserver observer, Duration leaderWaitTimeout)
            throws IOException {
        return start(config, observer, leaderWaitTimeout, null);
    }

    /** As {@link #start(MemberConfig, MemberObserver, Duration)}, with TLS between peers (null: plain text). */
    public static Member start(MemberConfig config, MemberObserver observer, Duration leaderWaitTimeout,
                               TlsContexts peerTls) throws IOException {
        if (leaderWaitTimeout.isNegative()) throw new IllegalArgumentException("negative leader wait");
        return new Member(config, observer, leaderWaitTimeout, peerTls);
    }

    /**
     * The transport declares this member's data directory (its incarnation) and election timing in every handshake,
     * and refuses peers whose directory the member directory does not know for them, or whose timing differs: the
     * lease this member may hold as leader is only safe if its followers refuse votes for as long as it counts on,
     * which holds only with the same election timeout and drift bound on both sides (issue 10 D).
     */
    private static TransportConfig transportConfig(MemberConfig config, long incarnation, RaftConfig raft,
                                                   PeerAdmission admission, TlsContexts peerTls) {
        TransportConfig.Builder b = TransportConfig.builder(config.clusterId(), config.memberId())
                .listen(config.peerListen())
                .alsoListen(config.alsoListen())
                .incarnation(incarnation)
                .timing(new ElectionTiming(config.heartbeatInterval().toMillis(), config.electionTimeout().toMillis(),
                        raft.maxClockDrift()))
                .admission(admission)
                .snapshotDirectory(config.dataDir().resolve("incoming-snapshots"))
                .tls(peerTls);
        for (Map.Entry<Long, List<java.net.SocketAddress>> peer : config.initialAddresses().entrySet()) {
            if (peer.getKey() != config.memberId() && !peer.getValue().isEmpty()) b.peer(peer.getKey(), peer.getValue());
        }
        return b.build();
    }

    // ------------------------------------------------------------------ requests

    /**
     * Proposes a client write (put, delete range, txn, compact); completes with the store's response once applied
     * here. At a follower the write is forwarded to the leader. While no leader is known it waits for one; it fails
     * with {@link NotLeaderException} once the leader wait passes with none (or, with a leader hint, while the
     * leader hands leadership over). Its deadline: the leader wait from now (see {@link #propose(Operation,
     * RequestDeadline)}).
     */
    public CompletableFuture<Response> propose(Operation op) {
        return propose(op, defaultDeadline());
    }

    /**
     * As {@link #propose(Operation)}, ending at {@code deadline}: waiting for a leader, forwarded to it, and waiting
     * for the entry to apply, all end there, failed by one timer with {@link NotLeaderException} (still waiting for a
     * leader: nothing was proposed) or {@link io.keel.server.RequestTimeoutException} (the write may still apply).
     */
    public CompletableFuture<Response> propose(Operation op, RequestDeadline deadline) {
        // An operation that may apply twice is forwarded again to a new leader instead of waiting for an old one
        // that may be gone.
        return proposeData(OperationCodec.encode(op), op.mayApplyTwice(), deadline);
    }

    /**
     * As {@link #propose(Operation, RequestDeadline)}, for an entry already encoded (keel_ops.proto's ClientOp,
     * e.g. an etcd client's message from {@code OperationCodec.encode(PutRequest)}) that
     * must apply at most once.
     */
    public CompletableFuture<Response> proposeData(ByteString data, RequestDeadline deadline) {
        return proposeData(data, false, deadline);
    }

    /** As {@link #proposeData(ByteString, RequestDeadline)}, ending at the leader wait from now. */
    public CompletableFuture<Response> proposeData(ByteString data) {
        return proposeData(data, false, defaultDeadline());
    }

    private CompletableFuture<Response> proposeData(ByteString data, boolean mayApplyTwice,
                                                    RequestDeadline deadline) {
        CompletableFuture<Response> result = proposalAdmission.admit();
        if (result == null) return CompletableFuture.failedFuture(proposalAdmission.refusal());
        if (stopped(result)) return result;
        // A store refusal (MvccException) still means the entry committed and applied.
        result.whenComplete((v, e) -> observer.proposalFinished(e == null
                || e instanceof io.keel.storage.mvcc.api.MvccException));
        RequestTimer timer = RequestTimer.arm(result, deadline, config.memberId());
        if (result.isDone()) return result; // its deadline had passed: nothing proposed
        // The timer is the write's only deadline: it ends the write wherever it waits, and the runtime asks it
        // before parking, forwarding or proposing the write, so a write it ended is never proposed.
        WriteOptions options = new WriteOptions(true, mayApplyTwice);
        loop.execute(() -> runtime.propose(data, options, Long.MAX_VALUE, timer));
        return result;
    }

    /** A request without a deadline of its own ends where a leader wait would. */
    private RequestDeadline defaultDeadline() {
        return RequestDeadline.after(leaderWaitTimeout);
    }

    /** Raft thread: a peer's message (or a received snapshot's meta) for the node. */
    private void step(Message message) {
        runtime.step(message);
    }

    /** Raft thread: whether a snapshot reached {@code peer}. */
    private void reportSnapshot(long peer, boolean delivered) {
        runtime.reportSnapshot(peer, delivered);
    }

    /** Raft thread: no leader known (a candidate, a follower between leaders, or a member just started). */
    private static boolean noLeaderKnown(RaftNode node) {
        return node.role() != Role.LEADER && node.leaderId() == 0;
    }

    /**
     * Completes with the leader's id once this member knows a leader, or fails with {@link NotLeaderException}
     * after {@code timeout}. Knowing a leader does not mean it has committed an entry of its term yet: the first
     * request may still wait a little longer for that.
     */
    public CompletableFuture<Long> awaitLeader(Duration timeout) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        if (stopped(result)) return result;
        loop.execute(() -> {
            RaftNode node = runtime.node();
            leaderWaiters.await(result, noLeaderKnown(node) ? 0 : node.role() == Role.LEADER ? node.id()
                    : node.leaderId());
        });
        return Futures.within(result, timeout, () -> new NotLeaderException(id(), 0, "no leader within "
                + timeout.toMillis() + " ms"));
    }

    /**
     * Proposes {@code op} only if, on the raft thread right then, this member leads and holds its leader lease (a
     * quorum answered it within the lease): how the lessor proposes an expiry. Never forwarded to another member.
     */
    public CompletableFuture<Response> proposeWithLeaderLease(Operation op) {
        CompletableFuture<Response> result = proposalAdmission.admit();
        if (result == null) return CompletableFuture.failedFuture(proposalAdmission.refusal());
        if (stopped(result)) return result;
        ByteString data = OperationCodec.encode(op);
        // No deadline: it waits until it applies, is lost to another leader's entry, or the member stops.
        loop.execute(() -> runtime.proposeWithLeaderLease(data, Long.MAX_VALUE,
                new WriteCompletion(result, config.memberId())));
        return result;
    }

    /**
     * Proposes a membership change at the leader (a follower refuses it with {@link NotLeaderException}); completes
     * once this member applied it. Refusals: {@link ProposalRefusedException} with Raft's reason first in its message.
     */
    public CompletableFuture<Response> proposeConfChange(ConfChange change) {
        CompletableFuture<Response> result = proposalAdmission.admit();
        if (result == null) return CompletableFuture.failedFuture(proposalAdmission.refusal());
        if (stopped(result)) return result;
        loop.execute(() -> runtime.proposeConfChange(change, Long.MAX_VALUE,
                new WriteCompletion(result, config.memberId())));
        return result;
    }

    /**
     * At the leader: the members of its configuration it has heard from (an append or heartbeat answer) within
     * {@code window}, itself included; etcd's "active" peers, for its --strict-reconfig-check. A new leader counts
     * every member as heard at its election, for one window. Anywhere else: {@link NotLeaderException}.
     */
    public CompletableFuture<java.util.Set<Long>> membersHeardWithin(Duration window) {
        CompletableFuture<java.util.Set<Long>> result = new CompletableFuture<>();
        if (stopped(result)) return result;
        loop.execute(() -> {
            RaftNode node = runtime.node();
            if (node.role() != Role.LEADER) {
                result.completeExceptionally(new NotLeaderException(id(), node.leaderId(), "not the leader"));
                return;
            }
            java.util.Set<Long> heard = new java.util.TreeSet<>();
            for (long m : node.configuration().members()) {
                io.keel.raft.progress.Progress p = node.progress(m);
                if (m == node.id() || (p != null && node.now() - p.lastHeardAt() < window.toNanos())) heard.add(m);
            }
            result.complete(heard);
        });
        return result;
    }

    /**
     * For tests: runs {@code task} on the raft thread. A task that blocks stalls this member's Raft the way a long
     * process pause does, while its other threads (lessor, apply, transport) run on.
     */
    public void runOnRaftThreadForTest(Runnable task) {
        loop.execute(task);
    }

    /**
     * Whether this member holds its leader lease in {@code term} right now (any thread): the lease the runtime last
     * published, checked against its clock as the runtime checks a lease read after it ran (still held now, and the
     * clock did not stand still since it was published).
     */
    public boolean holdsLeaderLease(long term) {
        return clock.holds(runtime.lease(), term);
    }

    /**
     * Completes normally only if this member led in {@code term} throughout a quorum confirmation round started now
     * (a linearizable read, answered by this member as leader: a member that stepped down since cannot lead that
     * term again, and one that did not lead would have forwarded the read, so its role afterwards tells).
     */
    public CompletableFuture<Void> confirmLeadership(long term) {
        return read(store -> Boolean.TRUE).thenAccept(ignored -> {
            SoftState s = state();
            if (s.role() != Role.LEADER || s.term() != term) {
                throw new NotLeaderException(id(), s.leaderId(), "it no longer leads term " + term);
            }
        });
    }

    /** Keep-alives and time-to-live at the leader's lessor, from any member, outside the log. */
    public LeaseForwarder leaseForwarder() {
        return leaseForwarder;
    }

    /** The lease deadlines (meaningful on the leader only). */
    public Lessor lessor() {
        return lessor;
    }

    /** What a peer said when it refused this member as removed from the cluster, or null while none has. */
    public String removedNotice() {
        return peerAdmission.removedNotice();
    }

    /** The peers that refused this member as removed from the cluster: each has applied its removal. */
    public java.util.Set<Long> peersThatAppliedOurRemoval() {
        return peerAdmission.peersThatAppliedOurRemoval();
    }

    /** The replicated auth state (users, roles, whether authentication is on) and this member's simple tokens. */
    public io.keel.server.auth.AuthApplier auth() {
        return auth;
    }

    /** The member directory as this member has applied it. */
    public MemberDirectory directory() {
        return directory.current();
    }

    /**
     * A linearizable read: runs {@code query} on the store once it has applied everything committed before now. While
     * no leader is known it waits for one, as a write does.
     */
    public <T> CompletableFuture<T> read(Function<MvccStore, T> query) {
        CompletableFuture<T> result = readAdmission.admit();
        if (result == null) return CompletableFuture.failedFuture(readAdmission.refusal());
        if (stopped(result)) return result;
        if (io.keel.server.InjectedBug.FOLLOWER_LOCAL_READ.on() && state().role() != Role.LEADER) return CompletableFuture.completedFuture(readSerializable(query));
        Supplier<StoreRead.Attempt<T>> run = StoreRead.query(storage.store, query);
        if (io.keel.server.InjectedBug.READ_BEFORE_APPLY.on()) {
            StoreRead.Attempt<T> early = StoreRead.attempt(storage.store, query); // before the read index applied
            run = () -> early;
        }
        Supplier<StoreRead.Attempt<T>> confirmed = run;
        // No deadline of its own: it waits for a leader up to the leader wait, then for its confirmation and apply.
        loop.execute(() -> runtime.read(confirmed, Long.MAX_VALUE, new StoreRead<>(result, config.memberId())));
        return result;
    }

    /** A serializable read: the local store as it is, possibly behind the leader. */
    public <T> T readSerializable(Function<MvccStore, T> query) {
        if (closed.get()) throw stoppedException();
        return storage.store.read(query);
    }

    /** Raft's minimum election timeout, as configured. */
    public Duration electionTimeout() {
        return config.electionTimeout();
    }

    /** The leader's heartbeat interval, as configured. */
    public Duration heartbeatInterval() {
        return config.heartbeatInterval();
    }

    /** The incarnation of this member's data directory (drawn when it was created). */
    public long incarnation() {
        return storage.log.incarnation();
    }

    public long id() {
        return config.memberId();
    }

    /** The cluster's id (derived from the token and the initial members), as etcd's response headers carry it. */
    public long clusterId() {
        return config.clusterId();
    }

    /** The initial members and their peer addresses. */
    public Map<Long, InetSocketAddress> initialCluster() {
        return config.initialCluster();
    }

    /** This member's data directory. */
    public java.nio.file.Path dataDir() {
        return config.dataDir();
    }

    /** Role, term and known leader as of the last Ready. */
    public SoftState state() {
        return loop.softState();
    }

    public long appliedIndex() {
        return storage.store.current().appliedIndex();
    }

    /** Peer messages dropped because the raft thread's queue was full (Raft resends them). */
    public long droppedPeerMessages() {
        return droppedPeerMessages.sum();
    }

    public InetSocketAddress peerAddress() {
        return transport.localAddress();
    }

    /** Every address peers reach this member at (TCP and Unix domain sockets), as configured, ports bound. */
    public List<java.net.SocketAddress> peerAddresses() {
        return transport.localAddresses();
    }

    /** Runs {@code listener} on the apply thread after each applied batch or installed snapshot; it must not block. */
    public void onApplied(Runnable listener) {
        appliedListeners.add(listener);
    }

    /** The highest log index this member knows to be committed (it may not have applied it yet). */
    public long commitIndex() {
        return commitIndex;
    }

    /** Client writes admitted and not yet answered. */
    public int pendingProposals() {
        return proposalAdmission.inFlight();
    }

    public io.keel.transport.TransportStats transportStats() {
        return transport.stats();
    }

    public io.keel.storage.log.SyncBatchStats.Snapshot logSyncStats() {
        return commitLog.stats();
    }

    // ------------------------------------------------------------------ the raft thread's side

    /**
     * Raft thread, as the runtime's observer, before any of the Ready is acted on (its messages are not sent yet):
     * the bookkeeping of a change of role and of an accepted snapshot, the commit index, and a change of leader, whose
     * consequences run only in the raft thread's next batch ({@link #leaderChanged}).
     */
    private void noteReady(Ready r) {
        commitIndex = runtime.node().log().committed();
        bookkeeping.readyHandedOut(r); // the role, the lessor, a snapshot accepted
        SoftState s = r.softState();
        if (s != null && s.leaderId() != knownLeader) {
            long leader = s.leaderId();
            knownLeader = leader;
            // Not from here: this runs before the Ready's messages are sent, a completed transfer lets a stopping
            // leader close its transport, and the Ready carries the forwarded writes it held during the transfer,
            // which must be on their way to the new leader first. The next batch runs after this Ready was sent.
            if (leader != 0) loop.execute(() -> leaderChanged(leader));
        }
    }

    /**
     * Hands leadership to voter {@code target} (etcd's MoveLeader; thesis §3.10) and completes once this member
     * sees it lead. Fails with {@link LeaderTransferException}: this member does not lead, the target is not a
     * voter, or the target has not taken over within {@code timeout} (raft-core gives a transfer up after an
     * election timeout; the leader then goes on leading).
     */
    public CompletableFuture<Void> transferLeadership(long target, Duration timeout) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (stopped(result)) return result;
        loop.execute(() -> {
            RaftNode node = runtime.node();
            if (node.role() != Role.LEADER) {
                result.completeExceptionally(new LeaderTransferException(LeaderTransferException.Reason.NOT_LEADER,
                        "member " + hex(node.id()) + " is not the leader (the leader is " + hex(node.leaderId())
                                + ")"));
                return;
            }
            if (target == node.id()) {
                result.complete(null);
                return;
            }
            ProposeResult r = runtime.transferLeadership(target);
            if (r instanceof ProposeResult.Refused refused) {
                result.completeExceptionally(new LeaderTransferException(
                        refused.reason() == ProposeResult.Reason.NOT_LEADER
                                ? LeaderTransferException.Reason.NOT_LEADER
                                : LeaderTransferException.Reason.BAD_TRANSFEREE, refused.message()));
                return;
            }
            transfers.removeIf(t -> t.result().isDone()); // given up earlier (timed out)
            transfers.add(new PendingTransfer(target, result));
        });
        return Futures.within(result, timeout, () -> new LeaderTransferException(
                LeaderTransferException.Reason.TIMED_OUT, "member " + hex(target) + " did not take over within "
                + timeout.toMillis() + " ms"));
    }

    private record PendingTransfer(long target, CompletableFuture<Void> result) {
    }

    /**
     * Raft thread, in the batch after the Ready that made {@code leader} (not 0) known, once that Ready's messages
     * were sent: the transfers waiting for a leader are done (or failed, when another member took over), and the
     * callers of {@link #awaitLeader} learn it. The runtime itself resends idempotent forwarded writes and runs the
     * requests parked while no leader was known.
     */
    private void leaderChanged(long leader) {
        for (PendingTransfer t : transfers) {
            if (leader == t.target()) {
                t.result().complete(null);
            } else {
                t.result().completeExceptionally(new LeaderTransferException(LeaderTransferException.Reason.TIMED_OUT,
                        "member " + hex(leader) + " took over instead of " + hex(t.target())));
            }
        }
        transfers.clear();
        leaderWaiters.leaderKnown(leader);
    }

    // ------------------------------------------------------------------ stopping

    private boolean stopped(CompletableFuture<?> result) {
        if (!closed.get()) return false;
        result.completeExceptionally(stoppedException());
        return true;
    }

    private MemberStoppedException stoppedException() {
        return new MemberStoppedException("member " + hex(config.memberId()) + " is stopped"
                + (failure == null ? "" : " after a failure: " + failure), failure);
    }

    /** Fail-stop: a storage or thread failure stops the member; nothing more is acknowledged. */
    private void fail(Throwable cause) {
        if (failure != null || closed.get()) return;
        failure = cause;
        observer.failed(cause);
        LOG.error("member {} stops after a failure: {}", hex(config.memberId()), cause.toString());
        // Closed from a thread of its own: the failing thread may be one that close() waits for.
        Thread stopper = new Thread(this::close, "keel-stop-" + hex(config.memberId()));
        stopper.setDaemon(true);
        stopper.start();
    }

    /**
     * Stops this member and waits for every thread it started, then closes its storage. Idempotent, and a caller
     * that comes second waits until the first has finished: a launcher that returned while a failure's stopper thread
     * was still closing RocksDB would exit the JVM under it, and RocksDB aborts the process (exit code 134 instead of
     * fail-stop's 1, seen in the fault suite's disk-full step); an embedder would find the data directory still
     * locked. Not to be called from a callback running on one of the member's own threads (it waits for them).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitCloseByAnotherThread();
            return;
        }
        closingThread = Thread.currentThread();
        try {
            closeEverything();
        } finally {
            closeFinished.countDown();
        }
    }

    private void awaitCloseByAnotherThread() {
        if (Thread.currentThread() == closingThread) return; // a callback of the close itself
        Threads.awaitUninterruptibly(closeFinished);
    }

    private void closeEverything() {
        leaseForwarder.close();
        lessor.close();
        transport.close();
        loop.stop();
        // The raft thread is gone: the runtime answers every request still waiting STOPPED (MemberStoppedException);
        // its stages drop whatever reaches them from now on.
        runtime.stop();
        commitLog.close();
        Threads.stopAfterCurrentTask(applyThread); // batches not applied are applied again after a restart
        logCompaction.close(); // a running round finishes: it syncs the store and writes the log, closed below
        snapshotSender.shutdownNow();
        readExecutor.shutdown();
        try {
            readExecutor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        leaderWaiters.failAll(stoppedException()); // the raft thread is gone: safe to touch its state here
        storage.close();
        LOG.info("member {} stopped", hex(config.memberId()));
    }

    static String hex(long id) {
        return Long.toHexString(id);
    }
}
