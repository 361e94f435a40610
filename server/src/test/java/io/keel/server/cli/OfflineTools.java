package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.mvcc.KeyValue;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the backup and recovery tests run: the launcher's offline commands and etcdctl as processes, a writer that
 * records every acknowledged put, and whole-keyspace reads.
 */
final class OfflineTools {
    record Result(int exit, String out) {
        @Override
        public String toString() {
            return "exit " + exit + ":\n" + out;
        }
    }

    private OfflineTools() {
    }

    /** {@code keel args...} in a child JVM on the test classpath, output and errors together, within 120 s. */
    static Result keel(Path workDir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        cmd.addAll(LauncherJvm.fastStartOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KeelMain.class.getName()));
        cmd.addAll(List.of(args));
        return run(workDir, cmd);
    }

    /** etcdctl (Debian's, v3 API) against {@code endpoints}, within 120 s. */
    static Result etcdctl(Path workDir, String endpoints, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints, "--dial-timeout=10s",
                "--command-timeout=60s"));
        cmd.addAll(List.of(args));
        return run(workDir, cmd);
    }

    private static Result run(Path workDir, List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "cmd", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within 120 s:\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    static String endpoint(MemberProcess m) {
        return "127.0.0.1:" + m.clientPort;
    }

    /** Every key at {@code m} (linearizable unless serializable) at {@code revision} (0: now), key to value. */
    static RangeResponse all(MemberProcess m, long revision, boolean serializable) {
        return KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest
                .newBuilder().setKey(ByteString.copyFrom(new byte[] {0})).setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                .setRevision(revision).setSerializable(serializable).build());
    }

    /** key -> value/create/mod/version, for comparing whole keyspaces. */
    static Map<String, String> describe(RangeResponse r) {
        Map<String, String> out = new TreeMap<>();
        for (KeyValue kv : r.getKvsList()) {
            out.put(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8() + " c" + kv.getCreateRevision() + " m"
                    + kv.getModRevision() + " v" + kv.getVersion() + " l" + Long.toHexString(kv.getLease()));
        }
        return out;
    }

    /**
     * Puts unique keys {@code prefix-N} one after another through the given members (rotating on failure) until
     * stopped, recording each acknowledged put's key, value and revision.
     */
    static final class Writer implements AutoCloseable {
        final ConcurrentSkipListMap<String, Long> acknowledged = new ConcurrentSkipListMap<>();
        final AtomicInteger failures = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Writer(String prefix, List<MemberProcess> targets) {
            thread = new Thread(() -> {
                int n = 0;
                int target = 0;
                while (!stop.get()) {
                    String key = String.format("%s-%06d", prefix, n);
                    try {
                        long rev = KVGrpc.newBlockingStub(targets.get(target % targets.size()).channel)
                                .withDeadlineAfter(5, TimeUnit.SECONDS)
                                .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                                        .setValue(ByteString.copyFromUtf8("value-" + n)).build())
                                .getHeader().getRevision();
                        acknowledged.put(key, rev);
                        n++;
                    } catch (StatusRuntimeException e) {
                        failures.incrementAndGet();
                        target++;
                        n++; // an unknown outcome: never reuse the key
                        try {
                            Thread.sleep(50); // back off from a member that refuses, not a wait for a state
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                }
            }, "writer-" + prefix);
            thread.setDaemon(true);
            thread.start();
        }

        int count() {
            return acknowledged.size();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }
}
