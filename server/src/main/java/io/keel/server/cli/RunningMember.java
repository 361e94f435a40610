package io.keel.server.cli;

import io.keel.server.Keel;
import io.keel.server.grpc.EtcdGrpcServer;
import io.keel.server.membership.MemberInfo;
import io.keel.server.ops.KeelMetrics;
import io.keel.server.ops.OpsServer;
import io.keel.storage.log.NoKeelDataException;
import io.keel.storage.log.WrongDataDirectoryException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One member started from {@link MemberSettings}: the {@link Keel} member, etcd's gRPC API over it and, when asked
 * for, the ops port. It runs until SIGTERM/Ctrl-C (exit 0 after a clean stop), the member fails (exit 1), or the
 * launcher that spawned it is gone ({@code --exit-with-parent}, exit 0).
 */
final class RunningMember implements AutoCloseable {
    private final Keel keel;
    private final EtcdGrpcServer grpc;
    private final OpsServer ops;
    private boolean closed;

    private RunningMember(Keel keel, EtcdGrpcServer grpc, OpsServer ops) {
        this.keel = keel;
        this.grpc = grpc;
        this.ops = ops;
    }

    static int run(MemberSettings s, Long exitWithParent) {
        PrintStream out = System.out;
        KeelMetrics metrics = new KeelMetrics();
        RunningMember member = start(s, metrics);
        out.println("keel: member " + s.name() + " (id " + Long.toHexString(s.id()) + ") of cluster "
                + Long.toHexString(member.keel.clusterId()) + ", data in " + s.dataDir());
        out.println("keel: client URL " + Urls.text(member.grpc.address()) + " (etcd v3 gRPC)");
        out.println("keel: peer URL " + Urls.text(member.keel.peerAddress()));
        if (member.ops != null) {
            out.println("keel: metrics URL " + Urls.text(member.ops.address()) + "/metrics (also /health, /readyz,"
                    + " and the cluster page at /)");
        }
        out.flush();

        ShutdownOwner owner = new ShutdownOwner();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean bySignal = owner.claimForSignal();
            if (bySignal) member.handLeadershipOver(out);
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
        Object why = CompletableFuture.anyOf(metrics.failed(), parentGone).join();
        owner.claimForSelfOrWait();
        member.close();
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

    /** Starts everything or nothing; a refusal becomes a one-line {@link LaunchException}. */
    static RunningMember start(MemberSettings s, KeelMetrics metrics) {
        Keel keel;
        try {
            Keel.Builder b = Keel.builder().id(s.id()).name(s.name()).dataDir(s.dataDir()).listen(s.peerListen())
                    .initialCluster(s.initialCluster()).initialClusterToken(s.clusterToken())
                    .newCluster(s.newCluster()).heartbeatInterval(s.heartbeatInterval())
                    .advertiseClientUrls(Arrays.stream(s.advertiseClientUrls().split(",")).map(String::trim).toList())
                    .electionTimeout(s.electionTimeout()).observer(metrics)
                    .leaseCheckpointInterval(s.leaseCheckpointInterval());
            if (s.joinClusterId() != 0) b.joinExisting(s.joinClusterId());
            keel = b.start();
        } catch (RuntimeException e) {
            throw refusal("member " + s.name(), e);
        }
        metrics.bind(keel);
        EtcdGrpcServer grpc = null;
        try {
            grpc = EtcdGrpcServer.start(keel, s.clientListen(), EtcdGrpcServer.DEFAULT_MAX_REQUEST_BYTES,
                    EtcdGrpcServer.DEFAULT_MAX_TXN_OPS, new EtcdGrpcServer.AuthSettings(s.authTokens(), false));
            OpsServer ops = s.metricsListen() == null ? null : startOps(keel, metrics, s);
            return new RunningMember(keel, grpc, ops);
        } catch (RuntimeException e) {
            if (grpc != null) grpc.close();
            keel.close();
            throw refusal("member " + s.name(), e);
        }
    }

    private static OpsServer startOps(Keel keel, KeelMetrics metrics, MemberSettings s) {
        try {
            return OpsServer.start(keel, metrics, s.metricsListen());
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
            grpc.close();
        } finally {
            try {
                if (ops != null) ops.close();
            } finally {
                keel.close();
            }
        }
    }
}
