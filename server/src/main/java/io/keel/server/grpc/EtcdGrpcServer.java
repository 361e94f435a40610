package io.keel.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.InsecureServerCredentials;
import io.keel.server.gateway.Gateway;
import io.keel.server.tls.ClientTls;
import java.util.List;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.NotLeaderException;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.ResponseHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keel.server.concurrent.NamedThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * etcd's v3 gRPC API over a running {@link Keel} member: the KV, Watch, Lease and Auth services, Maintenance.Status and
 * Cluster.MemberList. Every other RPC (the rest of Maintenance and Cluster) answers UNIMPLEMENTED. With
 * authentication on, {@link AuthInterceptor} names the caller of every call and {@link AuthGuard} checks it.
 *
 * <p>At a follower, writes are forwarded to the leader inside the cluster and answered here once applied here.
 * KV handlers never block: they start the request and answer when it completes. Other handlers block on the member (up to its request timeout) on this server's own threads.
 */
public final class EtcdGrpcServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdGrpcServer.class);

    /** etcd's default --max-request-bytes. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;
    /** etcd's default --max-txn-ops. */
    public static final int DEFAULT_MAX_TXN_OPS = 128;
    /** etcd lets this much gRPC overhead past the request limit so an oversized request gets etcd's own error. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    /** Runs a task on the calling thread. */
    private static final Executor DIRECT = Runnable::run;
    private static final String KEEP_ALIVE =
            io.keel.server.etcd.proto.LeaseGrpc.getLeaseKeepAliveMethod().getFullMethodName();

    private static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader",
            Metadata.ASCII_STRING_MARSHALLER);

    private final Keel keel;
    private final Server server;
    private final ExecutorService executor;
    private final ExecutorService answers;
    private final LeaderLossMonitor leaderLoss;
    private final OpenStreams openStreams;
    private final InetSocketAddress listen;
    private final Gateway gateway;
    /** TLS on this port, or null for plain text. */
    private final ClientTls tls;
    /** The plain-text port's Netty threads; null with TLS (ClientTls has its own). */
    private final ClientPortThreads threads;

    /**
     * How long {@link #close} lets unary calls in flight finish after {@link #stopAccepting}; then they are cancelled.
     * Short: a stopping member should be gone within a second (issue 14), and streams do not wait for it.
     */
    static final Duration CALLS_GRACE = Duration.ofSeconds(1);

    private EtcdGrpcServer(Keel keel, Server server, ExecutorService executor, ExecutorService answers,
                           LeaderLossMonitor leaderLoss, OpenStreams openStreams, InetSocketAddress listen,
                           Gateway gateway, ClientTls tls, ClientPortThreads threads) {
        this.tls = tls;
        this.threads = threads;
        this.keel = keel;
        this.server = server;
        this.executor = executor;
        this.answers = answers;
        this.leaderLoss = leaderLoss;
        this.openStreams = openStreams;
        this.listen = listen;
        this.gateway = gateway;
    }

    /** Serves plain text on {@code address} with etcd's defaults ({@link ClientPort#at}). */
    public static EtcdGrpcServer start(Keel keel, InetSocketAddress address) {
        return start(keel, ClientPort.at(address));
    }

    public static EtcdGrpcServer start(Keel keel, ClientPort port) {
        return create(keel, port).open();
    }

    /**
     * Authentication settings: the simple tokens' TTL (etcd's {@code --auth-token-ttl}) and whether a client
     * certificate's common name names the user when no token is sent (etcd's {@code --client-cert-auth}).
     */
    public record AuthSettings(io.keel.server.auth.TokenSettings tokens, boolean clientCertAuth) {
        public static final AuthSettings DEFAULTS = new AuthSettings(io.keel.server.auth.TokenSettings.DEFAULTS,
                false);
    }

    /**
     * Builds the server without listening yet; {@link #open} starts it. The launcher builds it while the member
     * waits for a leader, so loading gRPC's classes overlaps the election instead of following it (issue 14). Plain
     * GET paths beside the API, such as etcd's /metrics, are added with {@link #serveGet}.
     */
    public static EtcdGrpcServer create(Keel keel, ClientPort port) {
        List<InetSocketAddress> addresses = port.addresses();
        ClientLimits limits = port.limits();
        ClientTls tls = port.tls();
        AuthSettings auth = port.auth();
        GrpcCallMetrics calls = port.calls();
        InetSocketAddress address = addresses.get(0);
        keel.auth().useTokens(auth.tokens());
        int maxRequestBytes = limits.maxRequestBytes();
        int maxTxnOps = limits.maxTxnOps();
        String prefix = "keel-grpc-" + Long.toHexString(keel.memberId());
        // The port is given its TLS (closed with it) and everything below starts threads or holds descriptors:
        // a failure part-way releases what was made (PartsMade) instead of leaking it.
        PartsMade made = new PartsMade();
        made.add(tls, ClientTls::close);
        try {
            ExecutorService executor = made.add(Executors.newCachedThreadPool(NamedThreads.numbered(prefix)),
                    ExecutorService::shutdownNow);
            // One thread answers what completes on the member's threads but must not be built there: refusals (they
            // may come from the raft thread), MoveLeader, a gateway keep-alive stream's bursts. A KV call's result is
            // answered where it completes (answerWhereCompleted).
            ExecutorService answers = made.add(Executors.newSingleThreadExecutor(NamedThreads.single(prefix
                    + "-answers")), ExecutorService::shutdownNow);
            Headers headers = new Headers(keel);
            LeaderLossMonitor leaderLoss = made.add(new LeaderLossMonitor(keel), LeaderLossMonitor::close);
            OpenStreams openStreams = new OpenStreams(keel.memberId());
            ServerInterceptor requireLeader = new RequireLeader(keel);
            // The member's services, reachable in-process too: by etcd's HTTP gateway and by the election and lock
            // services, which run etcd's client-side recipe against KV, Lease and Watch as a client would.
            String inProcessName = prefix + "-in-process-" + System.identityHashCode(leaderLoss);
            io.grpc.ManagedChannel inProcess = io.grpc.inprocess.InProcessChannelBuilder.forName(inProcessName)
                    .directExecutor().build();
            made.add(inProcess, io.grpc.ManagedChannel::shutdownNow);
            ServerInterceptor caller = new AuthInterceptor(keel, auth.clientCertAuth()); // who calls, for AuthGuard
            AuthGuard guard = new AuthGuard(keel);
            // Election and lock calls reach KV, Lease and Watch in-process with their caller's token.
            io.grpc.Channel asCaller = io.grpc.ClientInterceptors.intercept(inProcess, CallerToken.FORWARD,
                    GrpcCallMetrics.INTERNAL); // counted as the caller's election or lock call only
            // issue 14: a member the corruption check found diverged stops serving (every service, gateway included).
            ServerInterceptor corruptGuard = new CorruptMemberGuard(keel);
            List<ServerServiceDefinition> services = java.util.stream.Stream.of(
                    ServerInterceptors.intercept(
                            new KvService(keel, headers, answers, maxRequestBytes, maxTxnOps, guard),
                            requireLeader, caller),
                    ServerInterceptors.intercept(new MaintenanceService(keel, headers, answers, guard), requireLeader,
                            caller),
                    ServerInterceptors.intercept(ClusterService.service(keel, headers, guard,
                            tls == null ? io.keel.server.tls.MemberClientChannels.of(null) : tls.memberChannels()),
                            requireLeader, caller),
                    ServerInterceptors.intercept(new LeaseService(keel, headers, leaderLoss, openStreams, guard,
                            answers), requireLeader, caller),
                    ServerInterceptors.intercept(new WatchService(keel, headers, maxRequestBytes, leaderLoss,
                            openStreams, guard), requireLeader, caller),
                    ServerInterceptors.intercept(new ElectionService(asCaller), requireLeader, CallerToken.KEEP),
                    ServerInterceptors.intercept(new LockService(asCaller), requireLeader, CallerToken.KEEP),
                    ServerInterceptors.intercept(new AuthService(keel, headers, executor, maxRequestBytes),
                            requireLeader, caller))
                    .map(service -> ServerInterceptors.intercept(service, corruptGuard))
                    .map(service -> calls == null ? service : calls.count(service)).toList(); // outermost: sees all
            // etcd's HTTP/JSON gateway shares the client port (HTTP/1.x told from gRPC's HTTP/2 by the first bytes,
            // after the TLS handshake on a TLS port).
            Gateway gateway = made.add(Gateway.start(inProcessName, inProcess, services, executor, maxRequestBytes,
                    limits.maxConcurrentStreams(), new ClientHealth(keel)), Gateway::close);
            // Plain text runs on threads of its own, ended when the port closes (ClientPortThreads: a quick stop).
            ClientPortThreads threads = made.add(tls == null ? new ClientPortThreads() : null,
                    ClientPortThreads::close);
            NettyServerBuilder builder = (tls == null
                    ? threads.applyTo(NettyServerBuilder.forAddress(address,
                            gateway.onClientPort(InsecureServerCredentials.create())))
                    : tls.serverBuilder(address, gateway::onTlsClientPort))
                    // KV handlers never block (they start a request and answer from its completion): they run on the
                    // transport thread that read the request, sparing a hand-off per call; so do lease keep-alive
                    // streams (issue 16: thousands of keep-alives a second). Other services' handlers may wait on the
                    // member and run on the pool. The server's own executor is direct and the pool is chosen per
                    // call: gRPC looks a call's method up on the server's executor before it asks which executor
                    // the call runs on, and with the pool as the server's executor every KV call started with a
                    // hand-off to a pool thread (its interceptors ran there): about one wake-up per put in
                    // compare-etcd.sh's profiles (issue 12, section 2).
                    .directExecutor()
                    .callExecutor(new ServerCallExecutorSupplier() {
                        @Override
                        public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
                            boolean neverBlocks = KVGrpc.SERVICE_NAME.equals(call.getMethodDescriptor()
                                    .getServiceName()) || KEEP_ALIVE.equals(call.getMethodDescriptor()
                                    .getFullMethodName());
                            return neverBlocks ? null : executor; // null: the server's, the reading thread
                        }
                    })
                    .maxInboundMessageSize(maxRequestBytes + GRPC_OVERHEAD_BYTES)
                    // etcd's --grpc-keepalive-*: clients may ping this often while they have calls open (as etcd, not
                    // without); the server pings a silent connection and drops one that does not answer.
                    .permitKeepAliveTime(limits.keepAliveMinTime().toNanos(), TimeUnit.NANOSECONDS)
                    .keepAliveTime(limits.keepAliveInterval().isZero() ? Long.MAX_VALUE
                            : limits.keepAliveInterval().toNanos(), TimeUnit.NANOSECONDS)
                    .keepAliveTimeout(limits.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
                    .maxConcurrentCallsPerConnection(limits.maxConcurrentStreams());
            services.forEach(builder::addService);
            addresses.stream().skip(1).forEach(builder::addListenAddress);
            return new EtcdGrpcServer(keel, builder.build(), executor, answers, leaderLoss, openStreams, address,
                    gateway, tls, threads);
        } catch (RuntimeException | Error e) {
            made.releaseAfter(e);
            throw e;
        }
    }

    /** Starts listening (a server from {@link #create}); on failure everything it holds is released. */
    public EtcdGrpcServer open() {
        try {
            server.start();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("starting the client API of member "
                    + Long.toHexString(keel.memberId()) + " on " + listen, e);
        }
        keel.membership().announceServedAt(clientUrl()); // MemberList shows it on every member
        LOG.info("member {} serves etcd's v3 API on {}{}", Long.toHexString(keel.memberId()), address(),
                tls == null ? "" : " over TLS (" + tls.engine() + ")");
        return this;
    }

    /** Serves {@code GET path} on the client port beside the API (etcd's /metrics there). */
    public void serveGet(String path, java.util.function.Supplier<io.keel.server.gateway.PlainAnswer> answer) {
        gateway.serveGet(path, answer);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    /** Every address it listens on (ports bound), in the order given. */
    public List<InetSocketAddress> addresses() {
        return server.getListenSockets().stream().map(a -> (InetSocketAddress) a).toList();
    }

    public int port() {
        return address().getPort();
    }

    String clientUrl() {
        InetSocketAddress a = address();
        return (tls == null ? "http://" : "https://") + a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /**
     * The first step of stopping, at once: clients are told to go elsewhere. The server sends HTTP/2 GOAWAY on every
     * connection (new calls go to another endpoint) and ends every open watch and keep-alive stream with etcd's
     * UNAVAILABLE "etcdserver: server stopped", which clients retry at another member. Unary calls already running
     * go on. Safe to call more than once.
     */
    public void stopAccepting() {
        server.shutdown();
        openStreams.endAll();
    }

    /**
     * {@link #stopAccepting}, then up to {@link #CALLS_GRACE} for the unary calls in flight to finish; what still runs
     * then is cancelled.
     */
    @Override
    public void close() {
        stopAccepting();
        try {
            if (!server.awaitTermination(CALLS_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        } finally {
            gateway.close();
            executor.shutdownNow();
            answers.shutdownNow();
            leaderLoss.close();
            if (tls != null) tls.close();
            if (threads != null) threads.close();
        }
    }

    /** Response headers: cluster_id, member_id, revision, raft_term. */
    static final class Headers {
        private final Keel keel;

        Headers(Keel keel) {
            this.keel = keel;
        }

        ResponseHeader at(long revision) {
            return ResponseHeader.newBuilder()
                    .setClusterId(keel.clusterId())
                    .setMemberId(keel.memberId())
                    .setRevision(revision)
                    .setRaftTerm(keel.state().term())
                    .build();
        }

        /** For answers that do not come from the store: its current revision. */
        ResponseHeader now() {
            return at(keel.revision());
        }
    }

    /**
     * Starts a call without blocking and answers the unary RPC when it completes: converted to the response on
     * {@code executor}, or with etcd's status for its failure. A call complete at once (a serializable read) is
     * answered on this thread: a hand-off would cost more than the answer. For calls that may complete on the raft
     * thread (a MoveLeader, an auth change's refusal), which must not build answers.
     */
    static <R, T> void answerAsync(Keel keel, StreamObserver<T> observer, Executor executor,
                                   Supplier<CompletableFuture<R>> call, Function<R, T> response) {
        CompletableFuture<R> pending = started(keel, observer, call);
        if (pending == null) return;
        pending.whenCompleteAsync((result, failure) -> answer(keel, observer, result, failure, response),
                pending.isDone() ? DIRECT : executor);
    }

    /**
     * Starts a call without blocking and answers the unary RPC on the thread that completes it with a result: the
     * apply thread for a write (at a follower too, for a write it forwarded), the read pool for a linearizable read,
     * this thread for a serializable one. A failure is answered on {@code refusals}, since refusals may come from the
     * raft thread (a request refused at admission, a lost leader), which must not build answers.
     *
     * <p>Why not hand every answer to one answering thread, as before (issue 12, section 2): the completions of an
     * applied batch reach it one at a time, and it built each answer faster than the apply thread completed the
     * next, so it parked and was woken about once per answer (1.06 voluntary switches per put at put-100 and
     * put-1000-all, a third of all the members' switches). Answered where it completes, a write costs no hand-off
     * between its apply and gRPC's write of its answer; an A/B of the two on this machine is in docs/benchmarks.md
     * ("Answers built where a request completes").
     */
    static <R, T> void answerWhereCompleted(Keel keel, StreamObserver<T> observer, Executor refusals,
                                            Supplier<CompletableFuture<R>> call, Function<R, T> response) {
        CompletableFuture<R> pending = started(keel, observer, call);
        if (pending == null) return;
        pending.whenComplete((result, failure) -> {
            if (failure == null) {
                answer(keel, observer, result, null, response);
            } else {
                refusals.execute(() -> answer(keel, observer, null, failure, response));
            }
        });
    }

    /** The call's pending result, or null when starting it failed (already answered with its status). */
    private static <R, T> CompletableFuture<R> started(Keel keel, StreamObserver<T> observer,
                                                       Supplier<CompletableFuture<R>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            observer.onError(EtcdStatus.of(e, keel.leaderId()));
            return null;
        }
    }

    private static <R, T> void answer(Keel keel, StreamObserver<T> observer, R result, Throwable failure,
                                      Function<R, T> response) {
        if (failure != null) {
            observer.onError(EtcdStatus.of(failure, keel.leaderId()));
            return;
        }
        T answer;
        try {
            answer = response.apply(result);
        } catch (RuntimeException e) {
            observer.onError(EtcdStatus.of(e, keel.leaderId()));
            return;
        }
        observer.onNext(answer);
        observer.onCompleted();
    }

    /**
     * Refuses a write at once with UNAVAILABLE "etcdserver: no leader" while this member knows no leader. The
     * embedded API lets such a write wait for a leader (issue 19); an etcd client is better served by the quick
     * refusal: it retries at another of its endpoints, one that may be on the majority side, instead of waiting out
     * its deadline here. Linearizable reads still wait (up to the request timeout), as they always did.
     */
    static void refuseWriteWithoutLeader(Keel keel) {
        if (keel.leaderId() == 0) throw new NotLeaderException(keel.memberId(), 0, "no leader known");
    }

    /** Runs a blocking call and answers the unary RPC with its result or with etcd's status for its failure. */
    static <T> void answer(Keel keel, StreamObserver<T> observer, Supplier<T> call) {
        // The same answering as answerAsync, on this thread: the call has finished by the time it returns.
        answerAsync(keel, observer, DIRECT, () -> CompletableFuture.completedFuture(call.get()), Function.identity());
    }

    /** Set for a call opened with {@code hasleader: true} while the member knew a leader. */
    static final Context.Key<Boolean> REQUIRES_LEADER = Context.key("keel-requires-leader");

    /**
     * etcd's WithRequireLeader: requests with metadata {@code hasleader: true} fail with "no leader" while this member
     * knows none, so the client moves to another member; streams opened so are marked ({@link #REQUIRES_LEADER}).
     */
    private static final class RequireLeader implements ServerInterceptor {
        private final Keel keel;

        RequireLeader(Keel keel) {
            this.keel = keel;
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            if (!"true".equals(headers.get(HAS_LEADER))) return next.startCall(call, headers);
            if (keel.leaderId() == 0) {
                call.close(Status.UNAVAILABLE.withDescription(EtcdStatus.NO_LEADER), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            // A stream that requires a leader is ended if the member loses it (LeaderLossMonitor).
            return Contexts.interceptCall(Context.current().withValue(REQUIRES_LEADER, Boolean.TRUE), call, headers,
                    next);
        }
    }
}
