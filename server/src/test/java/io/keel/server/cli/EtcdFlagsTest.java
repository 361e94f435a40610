package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.grpc.ClientLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.keel.server.cli.ProcessCluster.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every etcd 3.4 server flag is understood: implemented, accepted with one line saying it has no meaning for Keel, or
 * refused with the reason, never refused as unknown.
 */
class EtcdFlagsTest {
    /** etcd 3.4's server flags (etcdmain/config.go), without --help and --version. */
    static final List<String> ETCD_34_FLAGS = List.of(
            // member
            "name", "data-dir", "wal-dir", "snapshot-count", "heartbeat-interval", "election-timeout",
            "initial-election-tick-advance", "listen-peer-urls", "listen-client-urls", "max-snapshots", "max-wals",
            "quota-backend-bytes", "backend-batch-interval", "backend-batch-limit", "max-txn-ops",
            "max-request-bytes", "grpc-keepalive-min-time", "grpc-keepalive-interval", "grpc-keepalive-timeout",
            "max-concurrent-streams", "force-new-cluster",
            // clustering
            "initial-advertise-peer-urls", "initial-cluster", "initial-cluster-state", "initial-cluster-token",
            "advertise-client-urls", "discovery", "discovery-fallback", "discovery-proxy", "discovery-srv",
            "discovery-srv-name", "strict-reconfig-check", "enable-v2", "pre-vote", "auto-compaction-retention",
            "auto-compaction-mode",
            // proxy
            "proxy", "proxy-failure-wait", "proxy-refresh-interval", "proxy-dial-timeout", "proxy-write-timeout",
            "proxy-read-timeout",
            // security
            "cert-file", "key-file", "client-cert-auth", "client-crl-file", "client-cert-allowed-hostname",
            "trusted-ca-file", "auto-tls", "peer-cert-file", "peer-key-file", "peer-client-cert-auth",
            "peer-trusted-ca-file", "peer-auto-tls", "peer-cert-allowed-cn", "peer-cert-allowed-hostname",
            "peer-crl-file", "cipher-suites", "cors", "host-whitelist",
            // auth
            "auth-token", "bcrypt-cost", "auth-token-ttl",
            // profiling and monitoring
            "enable-pprof", "metrics", "listen-metrics-urls",
            // logging
            "logger", "log-outputs", "log-output", "log-level", "debug", "log-package-levels",
            // v2 proxy, gateway, config
            "enable-grpc-gateway", "config-file",
            // experimental
            "experimental-initial-corrupt-check", "experimental-corrupt-check-time",
            "experimental-enable-v2v3", "experimental-enable-lease-checkpoint",
            "experimental-enable-lease-checkpoint-persist", "experimental-compaction-batch-limit",
            "experimental-peer-skip-client-san-verification", "experimental-watch-progress-notify-interval",
            "experimental-warning-apply-duration", "experimental-backend-bbolt-freelist-type",
            // unsafe
            "unsafe-no-fsync");

    @Test
    void everyEtcd34FlagIsUnderstood() {
        Set<String> keel = new TreeSet<>();
        for (OptionSpec o : new CommandLine(new KeelCommand()).getCommandSpec().options()) {
            for (String n : o.names()) keel.add(n.replaceFirst("^--", ""));
        }
        List<String> unknown = new ArrayList<>(ETCD_34_FLAGS.stream().filter(f -> !keel.contains(f)).toList());
        assertEquals(List.of(), unknown, "etcd 3.4 flags the launcher does not know");
    }

    @Test
    void flagsWithoutMeaningForKeelAreAcceptedWithOneLineEach() {
        MemberSettings s = settings("--max-wals", "5", "--max-snapshots", "5", "--enable-pprof", "--metrics",
                "extensive", "--backend-batch-limit", "1000", "--experimental-backend-bbolt-freelist-type", "map",
                "--logger", "zap", "--cors", "");
        assertEquals(7, s.notices().size(), s.notices()::toString);
        assertTrue(s.notices().stream().allMatch(l -> l.contains(" has no meaning for Keel and is ignored: ")),
                s.notices()::toString);
        assertTrue(s.notices().stream().anyMatch(l -> l.startsWith("--enable-pprof has no meaning for Keel and is ignored: it is Go's"
                + " profiler")), s.notices()::toString);
    }

    @Test
    void flagsWhoseValueIsWhatKeelDoesAreAcceptedSilently() {
        MemberSettings s = settings("--pre-vote", "--enable-v2=false", "--proxy", "off", "--unsafe-no-fsync=false",
                "--force-new-cluster=false", "--wal-dir", "", "--discovery", "", "--log-outputs", "default",
                "--enable-grpc-gateway", "--host-whitelist", "*", "--bcrypt-cost", "10",
                "--experimental-peer-skip-client-san-verification");
        assertEquals(List.of(), s.notices());
    }

    @Test
    void flagsThatWouldMisleadAreRefusedWithTheirReason() {
        refused("--unsafe-no-fsync=true is refused: Keel acknowledges nothing before its fsync", "--unsafe-no-fsync");
        refused("--enable-v2=true is refused: Keel serves only etcd's v3 API", "--enable-v2");
        refused("--pre-vote=false is refused: Keel always runs the pre-vote", "--pre-vote=false");
        refused("--force-new-cluster=true is refused: Keel does not rewrite a member's cluster at start; stop it and"
                + " run `keel recover", "--force-new-cluster");
        refused("--discovery=https://discovery.etcd.io/x is refused: Keel has no discovery service",
                "--discovery", "https://discovery.etcd.io/x");
        refused("--wal-dir=/fast/wal is refused: Keel keeps its Raft log in --data-dir", "--wal-dir", "/fast/wal");
        refused("--log-outputs=/var/log/etcd.log is refused", "--log-outputs", "stderr,/var/log/etcd.log");
        refused("--proxy=on is refused", "--proxy", "on");
        refused("--enable-grpc-gateway=false is refused: Keel always serves etcd's HTTP/JSON gateway",
                "--enable-grpc-gateway=false");
        refused("--bcrypt-cost=12 is refused: Keel hashes passwords at bcrypt cost 10", "--bcrypt-cost", "12");
        refused("--log-level 'loud': expected debug, info, warn, error, panic or fatal", "--log-level", "loud");
    }

    @Test
    void servingFlagsReachTheirSettings() {
        MemberSettings s = settings("--snapshot-count", "250", "--max-request-bytes", "4096", "--max-txn-ops", "3",
                "--max-concurrent-streams", "16", "--grpc-keepalive-min-time", "1s", "--grpc-keepalive-interval", "0",
                "--grpc-keepalive-timeout", "3s", "--experimental-watch-progress-notify-interval", "2s");
        assertEquals(250, s.snapshotEntries());
        assertEquals(new ClientLimits(4096, 3, 16, Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(3)),
                s.clientLimits());
        assertEquals(Duration.ofSeconds(2), s.watchProgressInterval());

        MemberSettings d = settings();
        assertEquals(ServingFlags.DEFAULT_SNAPSHOT_COUNT, d.snapshotEntries());
        assertEquals(ClientLimits.ETCD_DEFAULTS.maxRequestBytes(), d.clientLimits().maxRequestBytes());
        assertEquals(Integer.MAX_VALUE, d.clientLimits().maxConcurrentStreams(), "etcd's default: no limit");

        refused("--snapshot-count 0: at least 1", "--snapshot-count", "0");
        refused("--max-txn-ops -1: expected 1 to", "--max-txn-ops", "-1");
        refused("--max-concurrent-streams 0: expected 1 to 4294967295", "--max-concurrent-streams", "0");
        refused("--grpc-keepalive-timeout 'soon': expected a positive duration", "--grpc-keepalive-timeout", "soon");
    }

    @Test
    void theConfigFileTakesTheSameKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("etcd.yml");
        java.nio.file.Files.writeString(file, "name: m1\nsnapshot-count: 77\nmax-txn-ops: 9\nenable-pprof: true\n"
                + "pre-vote: true\nmax-wals: 5\n");
        MemberSettings s = settings("--config-file", file.toString());
        assertEquals(77, s.snapshotEntries());
        assertEquals(9, s.clientLimits().maxTxnOps());
        assertEquals(2, s.notices().size(), s.notices()::toString);
    }

    /** The limits reach the client port of a running launcher, and its output has the one line per ignored flag. */
    @Test
    void aRunningMemberAppliesTheRequestLimits(@TempDir Path dir) throws Exception {
        try (MemberProcess m = new MemberProcess("m1", dir)) {
            m.start("--initial-cluster", "m1=" + m.peerUrl(), "--max-request-bytes", "1024", "--max-txn-ops", "2",
                    "--enable-pprof", "--snapshot-count", "50");
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(m.channel);
            Poll.until("the member accepts a small put", DEADLINE, () -> {
                try {
                    kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(put("k", 10));
                    return true;
                } catch (StatusRuntimeException e) {
                    return false;
                }
            });
            StatusRuntimeException tooLarge = assertThrows(StatusRuntimeException.class,
                    () -> kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(put("big", 2048)));
            assertEquals("etcdserver: request is too large", tooLarge.getStatus().getDescription());
            RequestOp[] op = new RequestOp[3];
            for (int i = 0; i < 3; i++) op[i] = RequestOp.newBuilder().setRequestPut(put("t" + i, 1)).build();
            StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class,
                    () -> kv.withDeadlineAfter(10, TimeUnit.SECONDS).txn(TxnRequest.newBuilder()
                            .addSuccess(op[0]).addSuccess(op[1]).addSuccess(op[2]).build()));
            assertEquals("etcdserver: too many operations in txn request", tooMany.getStatus().getDescription());
            kv.withDeadlineAfter(10, TimeUnit.SECONDS).txn(TxnRequest.newBuilder().addSuccess(op[0])
                    .addSuccess(op[1]).build());
            assertTrue(m.output().contains("keel: --enable-pprof has no meaning for Keel and is ignored"),
                    m::output);
        }
    }

    private static PutRequest put(String key, int valueBytes) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFrom(new byte[valueBytes])).build();
    }

    private static MemberSettings settings(String... args) {
        KeelCommand cmd = new KeelCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    private static void refused(String message, String... args) {
        OfflineTools.Result r = KeelMainInProcess.run(args);
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertTrue(r.out().contains("keel: " + message), () -> "expected '" + message + "' in: " + r.out());
    }
}
