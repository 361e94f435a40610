package io.keel.server;

import io.keel.raft.ReadMode;
import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.server.concurrent.Futures;
import io.keel.server.lease.KeepAliveAnswers;
import io.keel.server.lease.LeaseKeepAlive;
import io.keel.server.lease.LeaseStatus;
import io.keel.server.lease.Leases;
import io.keel.server.member.ClusterIdentity;
import io.keel.server.member.ClientWrite;
import io.keel.server.member.Member;
import io.keel.server.member.RequestDeadline;
import io.keel.server.member.MemberConfig;
import io.keel.server.membership.Membership;
import io.keel.server.watch.ChangeSource;
import io.keel.server.watch.Watch;
import io.keel.server.watch.WatchHub;
import io.keel.server.watch.WatchListener;
import io.keel.server.watch.WatchOptions;
import io.keel.storage.mvcc.api.ChangeBatch;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keel embedded in a Java process: one member of a cluster, joined to its peers by the peer transport.
 *
 * <pre>{@code
 * try (Keel keel = Keel.builder().id(1).dataDir(dir).listen(addr1)
 *         .initialCluster(Map.of(1L, addr1, 2L, addr2, 3L, addr3)).start()) {
 *     keel.put("k", "v");
 *     keel.get("k");                 // linearizable
 *     keel.get("k", true);           // serializable: this member's store as it is
 * }
 * }</pre>
 *
 * Calls block up to the request timeout and throw {@link KeelException}s ({@code retryable()} says whether to try
 * again), or the store's {@link io.keel.storage.mvcc.api.MvccException} when etcd would refuse the request. A write at a
 * follower is forwarded to the leader and answered once this member has applied it. A write or linearizable read
 * made while this member knows no leader (just started, or during an election) waits for one; it fails with
 * {@link NotLeaderException} when none is known within its request timeout (see {@link Builder#requestTimeout}), or
 * at once while the leader hands leadership over. {@link #awaitLeader(Duration)} waits for a leader explicitly.
 *
 * <h2>Lifecycle and threads</h2>
 * {@link Builder#start()} opens (or bootstraps) the data directory, binds the peer port and starts the member's
 * threads, each named after its job and the member's id in hex: {@code keel-raft-<id>} (Raft),
 * {@code keel-apply-<id>} (applies committed entries), {@code keel-log-sync raft-log} (the log's group commit),
 * {@code keel-read-<id>-*} (linearizable reads), {@code keel-lessor-<id>} (lease expiry),
 * {@code keel-transport-<id>-*} and {@code keel-snapshot-io-<id>-*} (the peer transport),
 * {@code keel-watch-<id>-*} and {@code keel-watch-listener-<id>-*} (watches), {@code keel-announce-<id>}
 * (membership), and on demand {@code keel-snapshot-<id>-*} (sending snapshots) and one {@code keel-keepalive-<lease>}
 * per {@link #keepAlive} handle. {@link #close()} ends all of them and waits for them, closes the data directory and
 * releases the port; a start that fails does the same for whatever it had started before it throws.
 *
 * <p>Every one of these threads is a daemon thread: the embedding program decides when the JVM ends, and a program
 * whose {@code main} throws before it reaches {@code close()} exits instead of seeming to hang. A program that wants
 * a member to outlive {@code main} keeps a thread of its own alive (the launcher waits for a signal). Ending the JVM
 * without {@code close()} is safe: every acknowledged write was synced to disk before it was acknowledged, and the
 * next start recovers as after a crash. There is no built-in shutdown hook, since its order against the program's
 * own hooks (its logging, say) is the program's to choose; {@code Runtime.getRuntime().addShutdownHook(new
 * Thread(keel::close))} adds one. Use try-with-resources.
 */
public final class Keel implements AutoCloseable {
    private final Member member;
    private final io.keel.server.auth.Auth auth;
    private final Duration requestTimeout;
    private final WatchHub watchHub;
    private final Leases leases;
    private final Membership membership;
    /** etcd's --quota-backend-bytes, checked before a write that adds data is proposed (issue 14). */
    private final io.keel.server.space.SpaceQuota quota;
    /** Keep-alive handles handed out and maybe still running: closed with this member. */
    private final java.util.Set<LeaseKeepAlive> keepAlives = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Keel(Member member, Duration requestTimeout, Duration watchProgressInterval, Membership membership,
                 long quotaBytes) {
        this.member = member;
        this.quota = new io.keel.server.space.SpaceQuota(member, quotaBytes);
        this.auth = new io.keel.server.auth.Auth(member, requestTimeout);
        this.requestTimeout = requestTimeout;
        this.membership = membership;
        this.watchHub = new WatchHub(Long.toHexString(member.id()), new StoreChanges(member), watchProgressInterval);
        member.onApplied(watchHub::notifyApplied);
        this.leases = new Leases(member);
    }

    /** A builder for one member; {@link Builder#start()} starts it. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ writes

    /**
     * Puts {@code value} at {@code key} (UTF-8), linearizably: once this returns, every later read on any member
     * sees it. Returns the store's revision after the put.
     *
     * @throws NotLeaderException no leader was known within the request timeout (retryable)
     * @throws RequestTimeoutException no answer within the request timeout; the write may still apply
     * @throws ProposalLostException a leadership change replaced the write; it did not apply (retryable)
     * @throws OverloadedException too many writes waiting at this member (retryable)
     * @throws MemberStoppedException this member is stopped
     */
    public PutResponseView put(String key, String value) {
        return put(utf8(key), utf8(value));
    }

    /** As {@link #put(String, String)}, with raw bytes. */
    public PutResponseView put(byte[] key, byte[] value) {
        var r = (io.keel.storage.mvcc.api.PutResponse) write(PutRequest.of(key, value));
        return new PutResponseView(r.revision());
    }

    /** Puts the key attached to lease {@code lease} (0: none); the lease must exist. */
    public PutResponseView put(String key, String value, long lease) {
        var r = (io.keel.storage.mvcc.api.PutResponse) write(PutRequest.of(utf8(key), utf8(value)).withLease(lease));
        return new PutResponseView(r.revision());
    }

    /** Deletes the key; returns how many keys were deleted (0 or 1). */
    public long delete(String key) {
        return ((io.keel.storage.mvcc.api.DeleteRangeResponse) write(DeleteRangeRequest.key(utf8(key)))).deleted();
    }

    /**
     * A transaction built with {@link Txn}: its compares are checked against the store as it is just before it,
     * then its {@code then} or {@code otherwise} operations run, all at one revision. Throws what
     * {@link #put(String, String)} throws.
     */
    public TxnResponse txn(Txn txn) {
        return txn(txn.request());
    }

    /** A transaction; one that only reads is answered linearizably without a Raft entry. */
    public TxnResponse txn(TxnRequest request) {
        if (request.isReadOnly()) {
            return await(retryingRead(store -> store.readTxn(request)));
        }
        return (TxnResponse) write(request);
    }

    /** Any client write the store knows (put, delete range, txn, compact), with the store's response. */
    public Response write(Operation op) {
        CompletableFuture<Response> refused = refusedForSpace(io.keel.storage.mvcc.api.QuotaCost.of(op));
        if (refused != null) return awaitEnding(refused);
        return awaitEnding(member.propose(op, RequestDeadline.after(requestTimeout)));
    }

    /**
     * As {@link #write}, without blocking: completes with the store's response once applied here, or fails with
     * what {@link #write} throws ({@link RequestTimeoutException} after the request timeout).
     */
    public CompletableFuture<Response> writeAsync(Operation op) {
        CompletableFuture<Response> refused = refusedForSpace(io.keel.storage.mvcc.api.QuotaCost.of(op));
        if (refused != null) return refused;
        // The member's one timer per request ends it at the request timeout: no timer of its own here.
        return unwrapped(member.propose(op, RequestDeadline.after(requestTimeout)));
    }

    /**
     * Null when a write of {@code cost} fits the space quota; otherwise its refusal, which fails once the NOSPACE
     * alarm is raised (as etcd answers), or at once with what the quota check threw (the member stopped).
     */
    private CompletableFuture<Response> refusedForSpace(long cost) {
        CompletableFuture<Void> refusal;
        try {
            refusal = quota.refusal(cost);
        } catch (RuntimeException stopped) {
            return CompletableFuture.failedFuture(stopped);
        }
        return refusal == null ? null : refusal.thenApply(v -> (Response) null);
    }

    /**
     * An etcd client's write, as its message encoded for the log ({@link ClientWrite}), ending at {@code deadline}
     * (the client's, or the request timeout): what {@link #writeAsync(Operation)} does for a store record, without
     * converting the message to a record and back.
     */
    public CompletableFuture<Response> writeAsync(ClientWrite write, RequestDeadline deadline) {
        CompletableFuture<Response> refused = refusedForSpace(write.quotaCost());
        if (refused != null) return refused;
        return unwrapped(member.proposeData(write.entry(), deadline));
    }

    /**
     * As {@link #txnAsync(TxnRequest)} for an etcd client's transaction: {@code checked} is its store record (a
     * read-only one is answered without Raft), {@code write} its encoded message, proposed if it writes.
     */
    public CompletableFuture<TxnResponse> txnAsync(TxnRequest checked, ClientWrite write, RequestDeadline deadline) {
        if (checked.isReadOnly()) {
            return timedRead(retryingRead(store -> store.readTxn(checked), deadline.atNanos()), deadline);
        }
        if (InjectedBug.TXN_COMPARE_AT_RECEIVER.on()) return txnAsync(checked);
        return writeAsync(write, deadline).thenApply(TxnResponse.class::cast);
    }

    /** How long a request without a deadline of its own may take (the client API's default, etcd's request timeout). */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** As {@link #range}, without blocking (a serializable range completes at once). */
    public CompletableFuture<RangeResponse> rangeAsync(RangeRequest request, boolean serializable) {
        return rangeAsync(request, serializable, RequestDeadline.after(requestTimeout));
    }

    /** As {@link #rangeAsync(RangeRequest, boolean)}, a linearizable range ending at {@code deadline}. */
    public CompletableFuture<RangeResponse> rangeAsync(RangeRequest request, boolean serializable,
                                                       RequestDeadline deadline) {
        if (serializable) {
            try {
                return CompletableFuture.completedFuture(member.readSerializable(store -> store.range(request)));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return timedRead(retryingRead(store -> store.range(request), deadline.atNanos()), deadline);
    }

    /** As {@link #txn(TxnRequest)}, without blocking. */
    public CompletableFuture<TxnResponse> txnAsync(TxnRequest request) {
        if (InjectedBug.TXN_COMPARE_AT_RECEIVER.on() && !request.isReadOnly()) return InjectedBug.compareHereThenWrite(request, member::readSerializable, this::writeAsync);
        if (request.isReadOnly()) return timed(retryingRead(store -> store.readTxn(request)));
        return writeAsync(request).thenApply(TxnResponse.class::cast);
    }

    // ------------------------------------------------------------------ reads

    /** The key's value, linearizable: reflects every write acknowledged before this call. */
    public Optional<String> get(String key) {
        return get(key, false);
    }

    /** With {@code serializable}, this member's store as it is (fast, possibly stale). */
    public Optional<String> get(String key, boolean serializable) {
        RangeResponse r = range(RangeRequest.key(utf8(key)), serializable);
        return r.kvs().isEmpty() ? Optional.empty()
                : Optional.of(new String(r.kvs().get(0).value(), StandardCharsets.UTF_8));
    }

    /** The key's current version with its revisions, version and lease; see {@link #get(String, boolean)}. */
    public Optional<KeyValue> getKeyValue(String key, boolean serializable) {
        RangeResponse r = range(RangeRequest.key(utf8(key)), serializable);
        return r.kvs().isEmpty() ? Optional.empty() : Optional.of(r.kvs().get(0));
    }

    /**
     * etcd's Range: keys, a range or a prefix ({@link RangeRequest}), at the current or a past revision, with
     * limits and sorting. Linearizable unless {@code serializable}: then this member's store as it is, at once,
     * even without a leader.
     */
    public RangeResponse range(RangeRequest request, boolean serializable) {
        if (serializable) return member.readSerializable(store -> store.range(request));
        return await(retryingRead(store -> store.range(request)));
    }

    // ------------------------------------------------------------------ watches

    /**
     * Watches keys (etcd's Watch): the listener gets this member's applied changes in revision order, each revision
     * whole, replayed from {@code options.startRevision()} if that is in the past. Close the returned watch to stop.
     */
    public Watch watch(WatchOptions options, WatchListener listener) {
        return watchHub.watch(options, listener);
    }

    /** The member's watch hub (the etcd gRPC API's Watch service serves its streams through it). */
    public WatchHub watchHub() {
        return watchHub;
    }

    /** The store's change feed, read through the member (which refuses once it is stopped). */
    private record StoreChanges(Member member) implements ChangeSource {
        @Override
        public ChangeBatch changesSince(long fromRevision, KeyRange range, boolean withPrevKv, int maxEvents) {
            return member.readSerializable(s -> s.changesSince(fromRevision, range, withPrevKv, maxEvents));
        }

        @Override
        public long revision() {
            return member.readSerializable(MvccStore::revision);
        }
    }

    // ------------------------------------------------------------------ leases

    /** Grants a lease of {@code ttlSeconds} (at least etcd's minimum) with an id the cluster picks. */
    public LeaseGrantResponse grantLease(long ttlSeconds) {
        return grantLease(0, ttlSeconds);
    }

    /** Grants lease {@code id} (0: the cluster picks one); refused with LEASE_EXISTS when it is in use. */
    public LeaseGrantResponse grantLease(long id, long ttlSeconds) {
        CompletableFuture<Response> refused = refusedForSpace(
                io.keel.storage.mvcc.api.QuotaCost.of(new io.keel.storage.mvcc.api.LeaseGrantRequest(id, ttlSeconds)));
        if (refused != null) awaitEnding(refused); // throws NO_SPACE once the alarm is raised, as a put's refusal
        return await(leases.grant(id, ttlSeconds));
    }

    /**
     * Hands leadership to voting member {@code target} and returns once this member sees it lead (etcd's
     * MoveLeader): how an operator moves the leader off a member before stopping it, say for an upgrade. Only the
     * leader accepts it. Fails with {@link LeaderTransferException}; the transfer is given up after the request
     * timeout, and the old leader then goes on leading.
     */
    public void transferLeadership(long target) {
        try {
            transferLeadershipAsync(target).join(); // it ends within the request timeout by itself
        } catch (CompletionException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof RuntimeException r) throw r;
            throw new IllegalStateException(cause);
        }
    }

    /** As {@link #transferLeadership}, without blocking. */
    public CompletableFuture<Void> transferLeadershipAsync(long target) {
        return member.transferLeadership(target, requestTimeout);
    }

    /** Revokes the lease and deletes its keys at one revision; returns that revision. */
    public long revokeLease(long id) {
        return await(leases.revoke(id)).revision();
    }

    /** One keep-alive: the lease's TTL in seconds, or 0 when there is no such lease (it expired or was revoked). */
    public long keepAliveOnce(long id) {
        return await(leases.renew(id));
    }

    /**
     * As {@link #keepAliveOnce}, without blocking: completes with the TTL, or fails once no leader answered within
     * the request timeout (the keep-alive is retried at whichever member leads until then).
     */
    public CompletableFuture<Long> keepAliveOnceAsync(long id) {
        return leases.renew(id);
    }

    /**
     * The first {@code n} keep-alives of {@code ids}, which arrived together, without blocking and without a future
     * each: every one is answered through {@code answers} at its position, as {@link #keepAliveOnceAsync} would
     * complete (the TTL, or a failure once no leader answered within the request timeout). The leader renews them
     * under one lock and one check of its leader lease; a follower forwards them to the leader in one batch.
     */
    public void keepAliveAll(long[] ids, int n, KeepAliveAnswers answers) {
        leases.renewAll(ids, n, answers);
    }

    /**
     * Keeps the lease alive (a keep-alive every TTL/3, on a thread of its own) until the returned handle is closed,
     * or this member is: {@link #close()} closes the handles it handed out, which would otherwise retry against a
     * stopped member.
     */
    public LeaseKeepAlive keepAlive(long id) {
        LeaseKeepAlive k = new LeaseKeepAlive("member " + Long.toHexString(memberId()), id, leases::renew);
        keepAlives.removeIf(LeaseKeepAlive::isClosed);
        keepAlives.add(k);
        return k;
    }

    /**
     * The lease's remaining and granted TTL (and keys, if asked), empty when there is no such lease. The remaining
     * time is the leader's (a follower asks the leader outside the log, as etcd's does; a new leader answers once it
     * has applied its predecessor's entries); granted TTL and keys are read here once this member has applied what
     * the leader had when it answered. Retried at whichever member leads, up to the request timeout.
     */
    public Optional<LeaseStatus> timeToLive(long id, boolean withKeys) {
        return leases.timeToLive(id, withKeys);
    }

    /**
     * How many leases this member's store holds, as applied here (serializable: never waits for the leader, so a
     * metrics scrape can ask it on a member without one).
     */
    public int leaseCount() {
        return member.readSerializable(s -> s.leases().size());
    }

    /** Every lease's id, linearizably. */
    public List<Long> leases() {
        return await(retryingRead(io.keel.storage.mvcc.MvccStore::leases));
    }

    // ------------------------------------------------------------------ space and consistency (issue 14)

    /** The raised alarms, linearizably (etcd's Alarm GET), sorted by member and type. */
    public List<io.keel.storage.mvcc.api.AlarmMember> alarms() {
        return await(retryingRead(MvccStore::alarms));
    }

    /**
     * Raises or clears an alarm through Raft (etcd's Alarm ACTIVATE / DEACTIVATE); completes with the alarm it
     * changed, or nothing when it was already so.
     */
    public CompletableFuture<List<io.keel.storage.mvcc.api.AlarmMember>> alarmAsync(
            io.keel.storage.mvcc.api.AlarmRequest request) {
        return unwrapped(member.propose(request, RequestDeadline.after(requestTimeout)))
                .thenApply(r -> ((io.keel.storage.mvcc.api.AlarmResponse) r).changed());
    }

    /** The raised alarms as this member has applied them (serializable: for checks that must not wait). */
    public List<io.keel.storage.mvcc.api.AlarmMember> appliedAlarms() {
        return member.readSerializable(MvccStore::alarms);
    }

    /** The bytes this member's store takes ({@link MvccStore#spaceUsed()}), measured now. */
    public long spaceUsed() {
        return member.readSerializable(MvccStore::spaceUsed);
    }

    /** The space quota writes are checked against (etcd's --quota-backend-bytes). */
    public long quotaBytes() {
        return quota.quotaBytes();
    }

    /** Compacts this member's store files (etcd's Defragment of one member); returns when done. */
    public void defragment() {
        member.readSerializable(store -> {
            store.defragment();
            return null;
        });
    }

    /**
     * etcd's HashKV of this member's store up to {@code revision} (0: its current one): the same on every member
     * that applied the same entries, whatever their files look like.
     */
    public io.keel.storage.mvcc.api.KeyspaceHash hashKV(long revision) {
        return member.readSerializable(store -> store.keyspaceHash(revision));
    }

    // ------------------------------------------------------------------ the member

    /** Users, roles and tokens (etcd's Auth API): the replicated auth state as this member applied it. */
    public io.keel.server.auth.Auth auth() {
        return auth;
    }

    /** The cluster's members as this member applied them, and runtime membership changes (etcd's Cluster API). */
    public Membership membership() {
        return membership;
    }

    /** This member's id. */
    public long memberId() {
        return member.id();
    }

    /**
     * The incarnation of this member's data directory: drawn when the directory was created, the same across
     * restarts, another one if the directory is wiped. Its peers accept it only under the one it joined with.
     */
    public long incarnation() {
        return member.incarnation();
    }

    /** The cluster's id, as etcd's response headers carry it. */
    public long clusterId() {
        return member.clusterId();
    }

    /** The revision of this member's store as it is now (etcd's header revision for answers not from the store). */
    public long revision() {
        return member.readSerializable(io.keel.storage.mvcc.MvccStore::revision);
    }

    /** The revision up to which this member's store is compacted (etcd's compact_revision metric). */
    public long compactRevision() {
        return member.readSerializable(io.keel.storage.mvcc.MvccStore::compactRevision);
    }

    /**
     * What this member's store counted, as etcd's mvcc metrics count it: ranges served here, puts, deletes and
     * transactions applied here, live keys. The same object for the member's life (a snapshot install keeps it).
     */
    public io.keel.storage.mvcc.StoreCounters storeCounters() {
        return member.readSerializable(io.keel.storage.mvcc.MvccStore::counters);
    }

    /** Keep-alives this member answered while it led (etcd's lease_renewed_total: renewals seen by the leader). */
    public long leaseRenewals() {
        return member.lessor().renewals();
    }

    /** The initial members and their peer addresses. */
    public Map<Long, InetSocketAddress> initialCluster() {
        return member.initialCluster();
    }

    /**
     * A consistent checkpoint of this member's store at its applied index, in {@code target} (which must not exist),
     * for a backup (etcd's Maintenance.Snapshot). Writes wait only while the checkpoint's hard links are made; the
     * caller deletes {@code target} when done.
     */
    public io.keel.storage.mvcc.snapshot.SnapshotExport exportBackup(Path target) {
        return member.readSerializable(store -> store.exportBackup(target));
    }

    /** This member's data directory. */
    public Path dataDir() {
        return member.dataDir();
    }

    /**
     * Waits until this member knows a leader (itself or another member) and returns its id: for a program that
     * wants to be ready before it serves. Not needed for correctness: a request made while no leader is known waits
     * for one by itself, up to its request timeout.
     *
     * <p>Members started one after another in one thread must all be started before any of them can know a leader
     * (a majority must be up to elect one); call this after starting them, not between.
     *
     * @throws NotLeaderException no leader was known within {@code timeout}
     * @throws MemberStoppedException the member is stopped
     */
    public long awaitLeader(Duration timeout) {
        CompletableFuture<Long> leader = member.awaitLeader(timeout);
        try {
            // The member fails the future at the deadline; the extra second only covers a late raft thread.
            return leader.get(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new NotLeaderException(memberId(), 0, "no leader within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotLeaderException(memberId(), 0, "interrupted while waiting for a leader");
        } catch (ExecutionException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof RuntimeException r) throw r;
            throw new IllegalStateException(cause);
        }
    }

    /** Whether this member leads, as of its last Raft state change. */
    public boolean isLeader() {
        return member.state().role() == Role.LEADER;
    }

    /** Raft's minimum election timeout, as configured. */
    public Duration electionTimeout() {
        return member.electionTimeout();
    }

    /** The leader's heartbeat interval, as configured (etcd's --heartbeat-interval). */
    public Duration heartbeatInterval() {
        return member.heartbeatInterval();
    }

    /** The leader as this member knows it, or 0. */
    public long leaderId() {
        return member.state().leaderId();
    }

    /** Role, term and known leader, as of this member's last Raft state change. */
    public SoftState state() {
        return member.state();
    }

    /** The highest log index whose entry this member's store has applied. */
    public long appliedIndex() {
        return member.appliedIndex();
    }

    /** The address the peer transport listens at (useful when {@link Builder#listen} asked for port 0). */
    public InetSocketAddress peerAddress() {
        return member.peerAddress();
    }

    /** Every address peers reach this member at: TCP (ports bound) and Unix domain sockets, in the order given. */
    public java.util.List<java.net.SocketAddress> peerAddresses() {
        return member.peerAddresses();
    }

    /** The highest log index this member knows to be committed; {@link #appliedIndex()} catches up to it. */
    public long commitIndex() {
        return member.commitIndex();
    }

    /** Client writes admitted at this member and not yet answered. */
    public int pendingProposals() {
        return member.pendingProposals();
    }

    /** The peer transport's counters (bytes, messages, connections, per peer). */
    public io.keel.transport.TransportStats transportStats() {
        return member.transportStats();
    }

    /** The Raft log's group commit: syncs, writes per sync, time spent syncing. */
    public io.keel.storage.log.SyncBatchStats.Snapshot logSyncStats() {
        return member.logSyncStats();
    }

    /** For tests in this package. */
    Member member() {
        return member;
    }

    /**
     * Stops this member and ends every thread it started (see the class comment); waits for them. Requests still
     * waiting fail with {@link MemberStoppedException}. Idempotent: a second call returns once the first (or the
     * member's own stop after a storage failure) has closed everything. The data directory keeps everything this
     * member acknowledged: start it again with the same builder settings ({@code newCluster(false)} is not needed:
     * an initialized directory is opened, not bootstrapped again).
     */
    @Override
    public void close() {
        for (LeaseKeepAlive k : keepAlives) k.close();
        try {
            membership.close();
            watchHub.close();
        } finally {
            member.close();
        }
    }

    /**
     * A linearizable read, asked again while it is rejected for a retryable reason (typically: no leader known
     * yet, or leadership changing) until the request timeout.
     */
    private <T> CompletableFuture<T> retryingRead(java.util.function.Function<io.keel.storage.mvcc.MvccStore, T> q) {
        return retryingRead(q, System.nanoTime() + requestTimeout.toNanos());
    }

    /** As {@link #retryingRead(java.util.function.Function)}, asked again until {@code deadline} (nanoTime). */
    private <T> CompletableFuture<T> retryingRead(java.util.function.Function<io.keel.storage.mvcc.MvccStore, T> q,
                                                  long deadline) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(q, deadline, result);
        return result;
    }

    private <T> void attempt(java.util.function.Function<io.keel.storage.mvcc.MvccStore, T> q, long deadline,
                             CompletableFuture<T> result) {
        member.read(q).whenComplete((v, e) -> {
            if (e == null) {
                result.complete(v);
            } else if (Futures.unwrap(e) instanceof ReadRejectedException && System.nanoTime() - deadline < 0) {
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)
                        .execute(() -> attempt(q, deadline, result));
            } else {
                result.completeExceptionally(Futures.unwrap(e));
            }
        });
    }

    /** {@code f}'s outcome with its failure unwrapped (the member's own exception, not a CompletionException). */
    private static <T> CompletableFuture<T> unwrapped(CompletableFuture<T> f) {
        // A copy, as timed() makes: the member's own future stays the member's.
        CompletableFuture<T> out = new CompletableFuture<>();
        f.whenComplete((v, e) -> {
            if (e == null) out.complete(v);
            else out.completeExceptionally(Futures.unwrap(e));
        });
        return out;
    }

    /**
     * {@code f}'s outcome, or {@link RequestTimeoutException} once the request timeout passed. {@code f} itself is
     * left alone: a write stays admitted (counted against the back-pressure bound) until it applies or is lost.
     */
    private <T> CompletableFuture<T> timed(CompletableFuture<T> f) {
        // A copy times out, not f: the member still completes its own future when the request ends.
        return Futures.within(unwrapped(f), requestTimeout, () -> new RequestTimeoutException("no answer within "
                + requestTimeout.toMillis() + " ms; a write may still apply"));
    }

    /** A read's outcome, or {@link RequestTimeoutException} once its {@code deadline} passed (its one timer). */
    private <T> CompletableFuture<T> timedRead(CompletableFuture<T> f, RequestDeadline deadline) {
        return Futures.within(unwrapped(f), Duration.ofNanos(Math.max(1, deadline.remainingNanos())),
                () -> new RequestTimeoutException("no answer to the read within its deadline",
                        deadline.clientDeadline()));
    }

    /**
     * The outcome of {@code f}, which the member's own timer ends at the request timeout (with the typed failure
     * saying where it waited): waited for a little longer, so that failure, not this wait's, is what is thrown.
     */
    private <T> T awaitEnding(CompletableFuture<T> f) {
        return await(f, requestTimeout.plusSeconds(1));
    }

    private <T> T await(CompletableFuture<T> f) {
        return await(f, requestTimeout);
    }

    private <T> T await(CompletableFuture<T> f, Duration timeout) {
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new RequestTimeoutException("no answer within " + requestTimeout.toMillis() + " ms; a write may"
                    + " still apply");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestTimeoutException("interrupted while waiting for an answer");
        } catch (ExecutionException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof RuntimeException r) throw r;
            throw new IllegalStateException(cause);
        }
    }


    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * How long a request waits for a leader: its timeout less a margin (a quarter of it, at most one election
     * timeout), so that a cluster with no leader is reported as {@link NotLeaderException} within the request
     * timeout rather than as a bare {@link RequestTimeoutException}. The margin covers a raft thread that notices
     * the deadline late on a loaded machine.
     */
    static Duration leaderWait(Duration requestTimeout, Duration electionTimeout) {
        Duration margin = requestTimeout.dividedBy(4);
        if (margin.compareTo(electionTimeout) > 0) margin = electionTimeout;
        return requestTimeout.minus(margin);
    }

    /** What a put returns: the store's revision after it. */
    public record PutResponseView(long revision) {
    }

    /**
     * Settings of one member. {@link #id}, {@link #dataDir}, {@link #listen} and, for more than one member,
     * {@link #initialCluster} are needed; every member of a cluster must be given the same initial cluster, token
     * and Raft timings (peers with other timings are refused). Not thread-safe; {@link #start()} may be called once
     * per member.
     */
    public static final class Builder {
        private long id;
        private Path dataDir;
        private static final io.keel.raft.RaftConfig RAFT_DEFAULTS = io.keel.raft.RaftConfig.defaults(1);
        private java.net.SocketAddress listen;
        private final java.util.List<java.net.SocketAddress> alsoListen = new java.util.ArrayList<>();
        private final Map<Long, InetSocketAddress> initialCluster = new LinkedHashMap<>();
        private final Map<Long, java.util.List<String>> initialPeerUrls = new LinkedHashMap<>();
        private long newClusterId;
        private String clusterToken = "keel-cluster";
        private boolean newCluster = true;
        private Duration tickInterval = Duration.ofMillis(10);
        // Raft's own defaults, said once (in RaftConfig.defaults).
        private Duration electionTimeout = Duration.ofNanos(RAFT_DEFAULTS.electionTimeout());
        private Duration heartbeatInterval = Duration.ofNanos(RAFT_DEFAULTS.heartbeatInterval());
        private ReadMode readMode = RAFT_DEFAULTS.readMode();
        private int maxPendingProposals = 10_000;
        private int maxPendingReads = 10_000;
        private long snapshotEntries = 10_000;
        private Duration leaseCheckpointInterval = io.keel.server.lease.Lessor.DEFAULT_CHECKPOINT_INTERVAL;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration watchProgressInterval = WatchHub.DEFAULT_PROGRESS_INTERVAL;
        private io.keel.server.member.MemberObserver observer = io.keel.server.member.MemberObserver.NONE;
        private String name;
        private java.util.List<String> advertiseClientUrls;
        private long joinClusterId;
        private long quotaBackendBytes = io.keel.server.space.SpaceQuota.DEFAULT_BYTES;
        private io.keel.server.tls.TlsSettings peerTls;
        private boolean strictReconfigCheck = true;

        private Builder() {
        }

        /**
         * etcd's --strict-reconfig-check (default true): membership changes that would leave fewer started members
         * than a quorum, or that the leader cannot be sure leave a quorum of reachable voters, are refused.
         */
        public Builder strictReconfigCheck(boolean on) {
            this.strictReconfigCheck = on;
            return this;
        }

        /** This member's id: non-zero, unique in the cluster, one of the initial cluster's ids. */
        public Builder id(long id) {
            this.id = id;
            return this;
        }

        /**
         * This member's own data directory (created if missing): its Raft log and store. Bootstrapped on the
         * first start, opened on later ones; another member's or cluster's directory is refused.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Where peers reach this member: a TCP address, or a Unix domain socket ({@code UnixDomainSocketAddress}). */
        public Builder listen(java.net.SocketAddress address) {
            this.listen = address;
            return this;
        }

        /** Further addresses peers reach this member at (etcd's --listen-peer-urls with several URLs). */
        public Builder alsoListen(java.util.List<? extends java.net.SocketAddress> addresses) {
            alsoListen.clear();
            alsoListen.addAll(addresses);
            return this;
        }

        /**
         * Every initial member (this one too) with its peer URLs as etcd's --initial-cluster gives them: several per
         * member, {@code http(s)://host:port} or {@code unix(s)://path}; the others dial them in turn until one
         * answers. Replaces {@link #initialCluster}.
         */
        public Builder initialPeerUrls(Map<Long, java.util.List<String>> members) {
            initialPeerUrls.clear();
            initialPeerUrls.putAll(members);
            return this;
        }

        /**
         * The id of the new cluster this member bootstraps (the launcher derives it as etcd does, {@link
         * ClusterIdentity#etcd}). Default: derived from the token and the initial cluster ({@link
         * ClusterIdentity#derive}), as before.
         */
        public Builder clusterId(long id) {
            if (id == 0) throw new IllegalArgumentException("cluster id 0 is reserved");
            this.newClusterId = id;
            return this;
        }

        /** Every initial member (this one too) and its peer address; a single entry makes a one-member cluster. */
        public Builder initialCluster(Map<Long, InetSocketAddress> members) {
            initialCluster.clear();
            initialCluster.putAll(members);
            return this;
        }

        /** Distinguishes clusters started with the same members (etcd's --initial-cluster-token). */
        public Builder initialClusterToken(String token) {
            this.clusterToken = Objects.requireNonNull(token);
            return this;
        }

        /**
         * True (default): bootstrap an empty data directory as an initial member of a new cluster. False: the
         * directory must already hold this member's data (etcd's initial-cluster-state=existing after a restart).
         */
        public Builder newCluster(boolean isNew) {
            this.newCluster = isNew;
            return this;
        }

        /** The name this member announces (etcd's --name); default: its id in hex. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        /**
         * The client URLs this member announces to the cluster (etcd's --advertise-client-urls). Default: the
         * address the etcd gRPC API serves at, once started.
         */
        public Builder advertiseClientUrls(java.util.List<String> urls) {
            this.advertiseClientUrls = java.util.List.copyOf(urls);
            return this;
        }

        /**
         * Joins the running cluster {@code clusterId} as the member just added to it with
         * {@code keel.membership().add(...)} (etcd's MemberAdd; use the id it returned): an empty data directory gets
         * an empty log and the leader sends this member everything; data already there must be this member's (a
         * restart). {@link #initialCluster} names the current members (this one included) so it can reach them.
         * etcd's --initial-cluster-state=existing for a new member.
         */
        public Builder joinExisting(long clusterId) {
            if (clusterId == 0) throw new IllegalArgumentException("cluster id 0 is reserved");
            this.joinClusterId = clusterId;
            return this;
        }

        /** How often the raft thread ticks (default 10 ms); at most the heartbeat interval. */
        public Builder tickInterval(Duration d) {
            this.tickInterval = d;
            return this;
        }

        /**
         * Raft's minimum election timeout (default 1 s): a follower that hears no leader for this long (plus a
         * random part) starts an election. The same on every member.
         */
        public Builder electionTimeout(Duration d) {
            this.electionTimeout = d;
            return this;
        }

        /** How often the leader sends heartbeats (default 100 ms), well below the election timeout. */
        public Builder heartbeatInterval(Duration d) {
            this.heartbeatInterval = d;
            return this;
        }

        /**
         * How linearizable reads are confirmed: {@link ReadMode#READ_INDEX} (default; a heartbeat round per batch
         * of reads) or {@link ReadMode#LEASE} (the leader answers within its lease, trusting bounded clock drift).
         */
        public Builder readMode(ReadMode mode) {
            this.readMode = mode;
            return this;
        }

        /** Writes waiting for their entry to apply; beyond, writes are refused with {@link OverloadedException}. */
        public Builder maxPendingProposals(int n) {
            this.maxPendingProposals = n;
            return this;
        }

        /** Linearizable reads waiting at this member; beyond, reads are refused with {@link OverloadedException}. */
        public Builder maxPendingReads(int n) {
            this.maxPendingReads = n;
            return this;
        }

        /** The log is compacted once this many applied entries precede it. */
        public Builder snapshotEntries(long n) {
            this.snapshotEntries = n;
            return this;
        }

        /**
         * How long a blocking call waits for its answer (default 10 s) before {@link RequestTimeoutException}. A
         * request made while no leader is known waits for one for most of this time (all but a quarter of it, at
         * most one election timeout less), then fails with {@link NotLeaderException}.
         */
        public Builder requestTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("the request timeout must be positive, was " + d);
            }
            this.requestTimeout = d;
            return this;
        }

        /** How often idle watches that asked for progress notification get one (etcd's default: 10 minutes). */
        public Builder watchProgressInterval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("the watch progress interval must be positive, was " + d);
            }
            this.watchProgressInterval = d;
            return this;
        }

        /**
         * etcd's lease checkpoint interval ({@code --experimental-lease-checkpoint-interval}; default 5 minutes):
         * the leader records the remaining time of each lease whose TTL is longer than this, this often, so a new
         * leader continues from it instead of restarting the lease in full.
         */
        public Builder leaseCheckpointInterval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("the lease checkpoint interval must be positive, was " + d);
            }
            this.leaseCheckpointInterval = d;
            return this;
        }

        /**
         * etcd's {@code --quota-backend-bytes} (default 2 GiB, etcd's): a write that adds data and would take this
         * member's store to this size is refused and raises the NOSPACE alarm cluster-wide (see
         * {@link io.keel.server.space.SpaceQuota}).
         */
        public Builder quotaBackendBytes(long bytes) {
            if (bytes <= 0) throw new IllegalArgumentException("the space quota must be positive, was " + bytes);
            this.quotaBackendBytes = bytes;
            return this;
        }

        /**
         * TLS between members (etcd's --peer-cert-file, --peer-key-file, --peer-trusted-ca-file,
         * --peer-client-cert-auth, --peer-auto-tls, --peer-crl-file, --peer-cert-allowed-cn); every member of the
         * cluster needs it. An auto-TLS certificate is kept in the data directory's {@code fixtures/peer}. Default:
         * plain text.
         */
        public Builder peerTls(io.keel.server.tls.TlsSettings settings) {
            this.peerTls = settings;
            return this;
        }

        /** Told what the member does as it happens (the launcher's metrics); must never block. */
        public Builder observer(io.keel.server.member.MemberObserver o) {
            this.observer = Objects.requireNonNull(o);
            return this;
        }

        /**
         * Opens (or bootstraps) the data directory, binds the peer port and starts the member's threads; returns at
         * once, without waiting for a leader (see {@link Keel#awaitLeader(Duration)}). A start that fails stops
         * whatever it had started.
         *
         * @throws java.io.UncheckedIOException the data directory or the peer port could not be opened
         * @throws io.keel.storage.log.WrongDataDirectoryException the directory holds another member's or
         *                                                        cluster's data
         */
        public Keel start() {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(listen, "listen");
            boolean join = joinClusterId != 0;
            Map<Long, java.util.List<String>> urls;
            long clusterId;
            if (!initialPeerUrls.isEmpty()) {
                urls = initialPeerUrls;
                clusterId = newClusterId != 0 ? newClusterId : ClusterIdentity.etcd(urls.keySet());
            } else if (!initialCluster.isEmpty() || listen instanceof InetSocketAddress) {
                Map<Long, InetSocketAddress> cluster = !initialCluster.isEmpty() ? initialCluster
                        : Map.of(id, (InetSocketAddress) listen);
                urls = MemberConfig.urls(cluster);
                clusterId = newClusterId != 0 ? newClusterId : ClusterIdentity.derive(clusterToken, cluster);
            } else { // a one-member cluster on a Unix socket
                urls = Map.of(id, java.util.List.of(io.keel.server.membership.PeerUrls.text(listen)));
                clusterId = newClusterId != 0 ? newClusterId : ClusterIdentity.etcd(urls.keySet());
            }
            if (join) clusterId = joinClusterId;
            MemberConfig config = new MemberConfig(id, clusterId, dataDir, listen, alsoListen,
                    urls, newCluster && !join, tickInterval, electionTimeout, heartbeatInterval, readMode,
                    maxPendingProposals, maxPendingReads, snapshotEntries, join);
            Member member;
            try {
                // Cleans up after itself when it fails: no thread, port or open database is left behind.
                io.keel.transport.TlsContexts tls = peerTls == null ? null : io.keel.server.tls.PeerTls.of(peerTls,
                        dataDir.resolve("fixtures").resolve("peer"),
                        java.util.List.of(listen instanceof InetSocketAddress inet ? inet.getHostString() : "localhost",
                                "localhost", "127.0.0.1"));
                member = Member.start(config, observer, leaderWait(requestTimeout, electionTimeout), tls);
                member.lessor().checkpointInterval(leaseCheckpointInterval);
            } catch (IOException e) {
                throw new UncheckedIOException("starting member " + Long.toHexString(id), e);
            }
            Membership membership = null;
            try {
                membership = new Membership(member, name != null ? name : Long.toHexString(id),
                        advertiseClientUrls, requestTimeout);
                membership.strictReconfigCheck(strictReconfigCheck);
                return new Keel(member, requestTimeout, watchProgressInterval, membership, quotaBackendBytes);
            } catch (RuntimeException | Error e) {
                if (membership != null) membership.close();
                member.close();
                throw e;
            }
        }
    }
}
