package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.LeaseGrantRequest;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchGrpc;
import io.keel.server.etcd.proto.WatchRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.ops.KeelMetrics;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The training run behind {@code bin/keel class-data} (issue 14): the script runs it in a JVM that lists every
 * class it loaded ({@code -XX:DumpLoadedClassList}), then makes a static class data sharing archive of them
 * ({@code -Xshare:dump}); later launcher starts map that archive instead of reading, parsing and verifying some 6,000
 * classes from the jars, which is most of a restarting member's CPU time before it serves.
 *
 * <p>It goes through what a member does on a start and a restart, with the launcher's own code: three members on
 * loopback (flags parsed as the launcher parses them, storage bootstrapped, peers connected, a leader elected, the
 * client API and the metrics port opened), writes, reads, a watch and a lease through each, then one member stopped
 * and started again on its data, and everything stopped. Classes it does not load are loaded from the jars as
 * usual; an archive that does not match the JVM or the class path is ignored by the JVM.
 */
final class ClassDataTraining {
    private static final long DEADLINE_SECONDS = 120;

    private ClassDataTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("keel-class-data");
        try {
            train(dir);
        } finally {
            deleteTree(dir);
        }
        System.out.println("keel: class data training done");
        System.exit(0); // the JVM writes the archive as it exits
    }

    private static void train(Path dir) throws Exception {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        int n = 3;
        int[] client = new int[n];
        int[] peer = new int[n];
        int[] metrics = new int[n];
        StringBuilder cluster = new StringBuilder();
        for (int i = 0; i < n; i++) {
            client[i] = FreePorts.next();
            peer[i] = FreePorts.next();
            metrics[i] = FreePorts.next();
            if (i > 0) cluster.append(',');
            cluster.append("t").append(i + 1).append("=http://127.0.0.1:").append(peer[i]);
        }
        List<RunningMember> members = new ArrayList<>();
        try {
            List<MemberSettings> settings = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                settings.add(settings(dir, i, client[i], peer[i], metrics[i], cluster.toString()));
                members.add(RunningMember.start(settings.get(i), new KeelMetrics()));
            }
            for (RunningMember m : members) m.serveWhenLeaderKnown(quiet).get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            for (int i = 0; i < n; i++) useClientApi(client[i], "k" + i);
            // A restart: the member opens the data it has, as a restarted launcher does.
            members.get(1).close();
            members.set(1, RunningMember.start(settings.get(1), new KeelMetrics()));
            members.get(1).serveWhenLeaderKnown(quiet).get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            useClientApi(client[1], "again");
        } finally {
            for (RunningMember m : members) m.close();
        }
    }

    /** The member's settings, from flags parsed as the launcher parses them. */
    private static MemberSettings settings(Path dir, int i, int client, int peer, int metrics, String cluster) {
        KeelCommand command = new KeelCommand();
        CommandLine line = new CommandLine(command);
        line.setOverwrittenOptionsAllowed(true);
        String peerUrl = "http://127.0.0.1:" + peer;
        line.parseArgs("--name", "t" + (i + 1), "--data-dir", dir.resolve("t" + (i + 1)).toString(),
                "--listen-client-urls", "http://127.0.0.1:" + client,
                "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--listen-metrics-urls", "http://127.0.0.1:" + metrics,
                "--initial-cluster", cluster, "--initial-cluster-token", "class-data",
                "--initial-cluster-state", "new");
        return command.settings();
    }

    /** Puts, reads, watches and grants a lease through the member's client port, as etcd clients do. */
    private static void useClientApi(int port, String key) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            CountDownLatch event = new CountDownLatch(1);
            StreamObserver<WatchRequest> watch = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse r) {
                    if (r.getEventsCount() > 0) event.countDown();
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            watch.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8(key))).build());
            var kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
            long lease = LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
            for (int i = 0; i < 20; i++) {
                kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setLease(i == 0 ? lease : 0)
                        .setValue(ByteString.copyFromUtf8("v" + i)).build());
            }
            kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
            MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
            if (!event.await(DEADLINE_SECONDS, TimeUnit.SECONDS)) throw new IllegalStateException("no watch event");
            watch.onCompleted();
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
