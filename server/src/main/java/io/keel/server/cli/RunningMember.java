package io.keel.server.cli;

import io.keel.server.Keel;
import io.keel.server.grpc.ClientPort;
import io.keel.server.grpc.EtcdGrpcServer;
import io.keel.server.membership.MemberInfo;
import io.keel.server.ops.KeelMetrics;
import io.keel.server.ops.OpsServer;
import io.keel.server.tls.ClientTls;
import io.keel.storage.log.NoKeelDataException;
import io.keel.storage.log.WrongDataDirectoryException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One member started from {@link MemberSettings}: the {@link Keel} member, when asked for the ops port, and etcd's
 * gRPC API over it once the member knows a leader ({@link ClientApiGate}). It runs until SIGTERM/Ctrl-C (exit 0 after
 * a clean stop), the member fails (exit 1), or the launcher that spawned it is gone ({@code --exit-with-parent}, exit
 * 0).
 */
final class RunningMember implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunningMember.class);

    private final Keel keel;
    private final MemberSettings settings;
    private final OpsServer ops;
    private EtcdGrpcServer grpc; // guarded by this; null until the member knows a leader
    /** Auto-compaction and the corruption check (issue 14); set once started. */
    private io.keel.server.space.Housekeeping housekeeping;
    /** The member's metrics: the client port counts its calls there and serves them at /metrics (issue 15). */
    private KeelMetrics metrics;
    private boolean closed;
    /** Whether the client port serves: the ops port's /health and /readyz say 200 only then. */
    private final java.util.concurrent.atomic.AtomicBoolean clientPortServing;

    private RunningMember(Keel keel, MemberSettings settings, OpsServer ops,
                          java.util.concurrent.atomic.AtomicBoolean clientPortServing) {
        this.keel = keel;
        this.settings = settings;
        this.ops = ops;
        this.clientPortServing = clientPortServing;
    }

    /**
     * Runs the member until it stops; {@code withRecordedIds} gives the settings for a data directory found to hold
     * name-derived ids ({@link LaunchIds#startOnItsData}).
     */
    static int run(MemberSettings given, java.util.function.Function<io.keel.storage.log.MemberIdentity,
            MemberSettings> withRecordedIds, Long exitWithParent) {
        PrintStream out = System.out;
        MemberSettings prepared = Rejoin.prepare(given, out);
        prepared.notices().forEach(line -> out.println("keel: " + line));
        KeelMetrics metrics = new KeelMetrics();
        ClassWarmUp.start();
        RunningMember member = LaunchIds.startOnItsData(prepared, settings -> start(settings, metrics),
                withRecordedIds);
        MemberSettings s = member.settings;
        StartupTimeline.markLauncher("storage open and peer port listening");
        out.println("keel: member " + s.name() + " (id " + Long.toHexString(s.id()) + ") of cluster "
                + Long.toHexString(member.keel.clusterId()) + ", data in " + s.dataDir());
        for (java.net.SocketAddress peer : member.keel.peerAddresses()) {
            out.println("keel: peer URL " + Urls.text(peer, s.peerTls() != null));
        }
        if (member.ops != null) {
            out.println("keel: metrics URL " + Urls.text(member.ops.address()) + "/metrics (also /health, /readyz,"
                    + " and the cluster page at /)");
        }
        out.flush();
        // The client URL line, and etcd's "ready to serve client requests", come once the member knows a leader
        // and its client port accepts calls: scripts and tests wait for them.
        ClientApiGate gate = new ClientApiGate(member.keel, Urls.text(s.clientListen()), out);
        CompletableFuture<Void> serving = gate.openWhenLeaderKnown(member::prepareClientApi,
                () -> member.openClientApi(out));

        ShutdownOwner owner = new ShutdownOwner();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean bySignal = owner.claimForSignal();
            gate.cancel();
            if (bySignal) {
                // Clients first (GOAWAY, streams ended with a status they retry elsewhere), then leadership, then
                // the rest: nobody waits on this member while it hands over.
                member.stopClientApi();
                LOG.info("member {} stops on a signal: its clients were told to go elsewhere", s.name());
                member.handLeadershipOver(out);
            }
            member.close();
            if (bySignal) {
                out.println("keel: member " + s.name() + " stopped");
                out.flush();
                Runtime.getRuntime().halt(ExitCodes.OK);
            }
        }, "keel-shutdown"));

        CompletableFuture<String> parentGone = new CompletableFuture<>();
        if (exitWithParent != null) {
            ProcessHandle.of(exitWithParent).ifPresentOrElse(
                    p -> p.onExit().thenRun(() -> parentGone.complete("the launcher that started it exited")),
                    () -> parentGone.complete("the launcher that started it is gone"));
        }
        CompletableFuture<Object> clientApiFailed = new CompletableFuture<>();
        serving.whenComplete((ok, failure) -> {
            if (failure != null) clientApiFailed.complete(failure);
        });
        // A member the cluster removed stops by itself, as etcd's does (exit 0: nothing failed, and a supervisor
        // should not restart it).
        Object why = CompletableFuture.anyOf(metrics.failed(), parentGone, clientApiFailed,
                member.keel.membership().removed()).join();
        gate.cancel();
        owner.claimForSelfOrWait();
        member.close();
        if (why instanceof LaunchException refused) {
            System.err.println("keel: " + refused.getMessage());
            return refused.exitCode();
        }
        if (why instanceof Throwable failure) {
            System.err.println("keel: member " + s.name() + " stopped after a failure: " + oneLine(failure));
            return ExitCodes.FAILED;
        }
        out.println("keel: member " + s.name() + " stopped: " + why);
        return ExitCodes.OK;
    }

    /**
     * A leader stopped by SIGTERM first hands leadership to another voter, as etcd's stop does, so writes move on
     * at once instead of waiting an election timeout for a new leader. Bounded by two election timeouts (raft-core
     * gives a transfer up after one); the member stops either way.
     */
    private void handLeadershipOver(PrintStream out) {
        if (!keel.isLeader()) return;
        Optional<Long> target = keel.membership().list().stream()
                .filter(m -> !m.learner() && m.id() != keel.memberId()).map(MemberInfo::id).findFirst();
        if (target.isEmpty()) return;
        Duration bound = keel.electionTimeout().multipliedBy(2);
        try {
            keel.transferLeadershipAsync(target.get()).get(bound.toMillis(), TimeUnit.MILLISECONDS);
            out.println("keel: handed leadership to member " + Long.toHexString(target.get()) + " before stopping");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            out.println("keel: could not hand leadership to member " + Long.toHexString(target.get())
                    + " within " + bound.toMillis() + " ms; stopping anyway");
        }
    }

    /**
     * Starts etcd's gRPC API (called once the member knows a leader) and says so. A member already stopping does not
     * open it.
     */
    private synchronized void openClientApi(PrintStream out) {
        if (closed || grpc == null) return;
        StartupTimeline.markLauncher("leader known");
        if (settings.space().initialCorruptCheck()) {
            List<Long> differ = io.keel.server.space.CorruptionCheck.peersThatDiffer(keel,
                    io.keel.server.tls.MemberClientChannels.of(settings.clientTls()));
            if (!differ.isEmpty()) {
                // etcd refuses to start on the same finding: serving would hand out data its peers do not have.
                throw new LaunchException(ExitCodes.FAILED, "member " + settings.name() + " found data"
                        + " inconsistency with peers " + differ.stream().map(Long::toHexString).toList()
                        + " (--experimental-initial-corrupt-check): it does not serve");
            }
        }
        try {
            grpc.open();
        } catch (RuntimeException e) {
            grpc = null; // open() released it
            throw refusal("member " + settings.name(), e);
        }
        for (java.net.InetSocketAddress a : grpc.addresses()) {
            out.println("keel: client URL " + Urls.text(a, settings.clientTls() != null) + " (etcd v3 gRPC"
                    + (settings.clientTls() != null ? " over TLS" : "") + ")");
        }
        out.flush();
        clientPortServing.set(true);
        StartupTimeline.markLauncher("client port open");
        // etcd's "ready to serve client requests" comes once its own announcement applied ("published"): a client
        // that lists the members then finds this member's client URLs (etcd's e2e TestCtlV3MemberRemovePeerTLS
        // reads them right after every member said it was ready).
        keel.membership().announced().thenRun(() -> {
            synchronized (out) {
                out.println("keel: ready to serve client requests");
                String timeline = StartupTimeline.launcherSummary();
                if (timeline != null) out.println("keel: start: " + timeline);
                out.flush();
            }
        });
    }

    /**
     * Opens etcd's gRPC API once the member knows a leader, as {@link #run} does; for {@link ClassDataTraining},
     * which runs members in-process.
     */
    CompletableFuture<Void> serveWhenLeaderKnown(PrintStream out) {
        return new ClientApiGate(keel, Urls.text(settings.clientListen()), out)
                .openWhenLeaderKnown(this::prepareClientApi, () -> openClientApi(out));
    }

    /** Builds etcd's gRPC API without listening yet (see {@link ClientApiGate}). */
    private synchronized void prepareClientApi() {
        if (closed) return;
        // With --client-cert-auth, a verified client certificate's common name is the user when no token is sent.
        boolean certAuth = settings.clientTls() != null && settings.clientTls().clientCertAuth();
        grpc = EtcdGrpcServer.create(keel, ClientPort.at(settings.urls().clientListen())
                .withLimits(settings.clientLimits()).withTls(clientTls(settings))
                .withAuth(new EtcdGrpcServer.AuthSettings(settings.authTokens(), certAuth))
                .withCallMetrics(metrics == null ? null : metrics.calls()));
        if (metrics != null) grpc.serveGet("/metrics", metrics::page); // etcd serves them on the client port too
    }

    /** Tells clients to go elsewhere at once (see {@link EtcdGrpcServer#stopAccepting}). */
    private void stopClientApi() {
        EtcdGrpcServer g;
        synchronized (this) {
            g = grpc;
        }
        clientPortServing.set(false);
        if (g != null) g.stopAccepting();
    }

    /**
     * Starts the member and the ops port, everything or nothing, and checks the client address can be bound; the
     * client API itself opens later ({@link ClientApiGate}). A refusal becomes a one-line {@link LaunchException}.
     */
    static RunningMember start(MemberSettings s, KeelMetrics metrics) {
        Keel keel;
        try {
            List<java.net.SocketAddress> peers = s.urls().peerListen();
            Keel.Builder b = Keel.builder().id(s.id()).name(s.name()).dataDir(s.dataDir()).listen(peers.get(0))
                    .alsoListen(peers.subList(1, peers.size()))
                    .initialPeerUrls(s.urls().initialPeerUrls()).clusterId(s.urls().newClusterId())
                    .initialClusterToken(s.clusterToken())
                    .newCluster(s.newCluster()).heartbeatInterval(s.heartbeatInterval())
                    .advertiseClientUrls(Arrays.stream(s.advertiseClientUrls().split(",")).map(String::trim).toList())
                    .electionTimeout(s.electionTimeout()).observer(metrics)
                    .leaseCheckpointInterval(s.leaseCheckpointInterval()).snapshotEntries(s.snapshotEntries())
                    .watchProgressInterval(s.watchProgressInterval())
                    .quotaBackendBytes(s.space().quotaBytes())
                    .peerTls(s.peerTls())
                    .strictReconfigCheck(s.strictReconfigCheck());
            if (s.joinClusterId() != 0) b.joinExisting(s.joinClusterId());
            keel = b.start();
        } catch (RuntimeException e) {
            throw refusal("member " + s.name(), e);
        }
        metrics.bind(keel);
        try {
            for (java.net.InetSocketAddress a : s.urls().clientListen()) {
                ClientApiGate.checkCanListen("member " + s.name(), a);
            }
            var clientPortServing = new java.util.concurrent.atomic.AtomicBoolean();
            OpsServer ops = s.metricsListen() == null ? null : startOps(keel, metrics, s, clientPortServing);
            RunningMember running = new RunningMember(keel, s, ops, clientPortServing);
            running.metrics = metrics;
            running.housekeeping = io.keel.server.space.Housekeeping.start(keel, s.space().autoCompaction(),
                    s.space().corruptCheckEvery(), io.keel.server.tls.MemberClientChannels.of(s.clientTls()));
            return running;
        } catch (RuntimeException e) {
            keel.close();
            throw refusal("member " + s.name(), e);
        }
    }

    /** The client port's TLS; an auto-TLS certificate goes where etcd keeps it, data-dir/fixtures/client. */
    private static ClientTls clientTls(MemberSettings s) {
        if (s.clientTls() == null) return null;
        return ClientTls.of(s.clientTls(), s.dataDir().resolve("fixtures").resolve("client"),
                java.util.List.of(s.clientListen().getHostString(), "localhost", "127.0.0.1"));
    }

    private static OpsServer startOps(Keel keel, KeelMetrics metrics, MemberSettings s,
                                      java.util.concurrent.atomic.AtomicBoolean clientPortServing) {
        try {
            return OpsServer.start(keel, metrics, s.metricsListen(),
                    io.keel.server.tls.MemberClientChannels.of(s.clientTls()), clientPortServing::get);
        } catch (IOException e) {
            throw new LaunchException(ExitCodes.CANNOT_LISTEN, "cannot listen for metrics on "
                    + Urls.text(s.metricsListen()) + ": " + e.getMessage(), e);
        }
    }

    /** Maps what the member refused on start to an exit code and one line. */
    static LaunchException refusal(String what, RuntimeException e) {
        if (e instanceof LaunchException l) return l;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof WrongDataDirectoryException || c instanceof NoKeelDataException) {
                return new LaunchException(ExitCodes.DATA_DIR_REFUSED, what + " refused its data directory: "
                        + c.getMessage(), e);
            }
            if (c instanceof BindException || isBindFailure(c)) {
                return new LaunchException(ExitCodes.CANNOT_LISTEN, what + ": " + oneLine(e)
                        + (c == e ? "" : ": " + oneLine(c)), e);
            }
            if (c instanceof IllegalArgumentException) {
                return new LaunchException(ExitCodes.USAGE, what + ": " + c.getMessage(), e);
            }
        }
        return new LaunchException(ExitCodes.FAILED, what + " could not start: " + oneLine(e), e);
    }

    /** gRPC's shaded Netty reports a taken port with its own IOException type, not BindException. */
    private static boolean isBindFailure(Throwable t) {
        String m = t.getMessage();
        return t instanceof IOException && m != null
                && (m.contains("Address already in use") || m.contains("Cannot assign requested address"));
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replace('\n', ' ');
    }

    /** gRPC first (no new requests), then the ops port, then the member. Safe to call twice, from two threads. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            if (housekeeping != null) housekeeping.close();
            clientPortServing.set(false);
            if (grpc != null) {
                grpc.close();
                LOG.info("member {}: client API closed", settings.name());
            }
        } finally {
            try {
                if (ops != null) ops.close();
            } finally {
                keel.close();
            }
        }
    }
}
