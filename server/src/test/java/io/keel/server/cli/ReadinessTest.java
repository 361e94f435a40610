package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.PutResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.keel.server.cli.ProcessCluster.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, readiness: a member says it serves (the client URL line and etcd's "ready to serve client requests") and
 * opens its client port only once it knows a leader, so the first request a client makes then is not refused with
 * "etcdserver: no leader". A lone member of a three-member cluster still starts and serves /health (503, no leader)
 * on its metrics URL meanwhile.
 */
class ReadinessTest {
    private static final String READY = "keel: ready to serve client requests";

    @RegisterExtension
    final CloseAfterEach closing = new CloseAfterEach();

    @Test
    void aMemberOpensItsClientPortOnlyOnceItKnowsALeader(@TempDir Path dir) throws Exception {
        List<MemberProcess> members = List.of(new MemberProcess("r1", dir), new MemberProcess("r2", dir),
                new MemberProcess("r3", dir));
        for (MemberProcess m : members) closing.add(m);
        String initialCluster = members.stream().map(m -> m.name + "=" + m.peerUrl())
                .collect(Collectors.joining(","));
        String[] flags = {"--initial-cluster", initialCluster, "--initial-cluster-token", "readiness"};
        MemberProcess lone = members.get(0);
        lone.start(flags);

        Poll.until(lone.name + " answers /health", DEADLINE, () -> lone.status("/health") != -1);
        assertEquals(503, lone.status("/health"), "a member without a leader is not healthy");
        Poll.until(lone.name + " says it waits for a leader", DEADLINE,
                () -> lone.output().contains("keel: no leader known yet"));
        assertTrue(lone.process().isAlive(), () -> lone.outputTail(40));
        assertFalse(lone.output().contains(READY), () -> lone.outputTail(40));
        assertFalse(lone.output().contains("keel: client URL"), () -> lone.outputTail(40));
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> put(lone.channel, "early"),
                "the client port is not open yet");
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused::toString);

        members.get(1).start(flags);
        Poll.until(lone.name + " says it is ready", DEADLINE, () -> lone.output().contains(READY),
                () -> lone.outputTail(40));
        // The first request of a client that starts after the line: no retry, no "etcdserver: no leader". (A new
        // channel: the test's own one still waits out its reconnection back-off from the refused attempt above.)
        ManagedChannel fresh = ManagedChannelBuilder.forAddress("127.0.0.1", lone.clientPort).usePlaintext().build();
        PutResponse first;
        try {
            first = put(fresh, "first");
        } finally {
            fresh.shutdownNow();
        }
        assertTrue(first.getHeader().getRevision() > 1, first::toString);
        assertTrue(lone.output().indexOf("keel: client URL http://127.0.0.1:" + lone.clientPort)
                < lone.output().indexOf(READY), () -> lone.outputTail(40));
        assertStartTimeline(lone.output());
    }

    /**
     * Issue 14: once it serves, the launcher says where its start went, each step in order with the milliseconds
     * since its process started and the CPU it had used by then, neither going backwards.
     */
    private static void assertStartTimeline(String output) {
        Matcher line = Pattern.compile("(?m)^keel: start: (.*) \\(ms since the process started; CPU: ms of CPU the"
                + " process had used by then\\)$").matcher(output);
        assertTrue(line.find(), output);
        assertTrue(output.indexOf(READY) < line.start(), output);
        Matcher step = Pattern.compile("([a-zA-Z ]+) (\\d+) \\(CPU (\\d+)\\)(, |$)").matcher(line.group(1));
        List<String> steps = new java.util.ArrayList<>();
        long wall = 0;
        long cpu = 0;
        while (step.find()) {
            steps.add(step.group(1));
            assertTrue(Long.parseLong(step.group(2)) >= wall, line.group());
            assertTrue(Long.parseLong(step.group(3)) >= cpu, line.group());
            wall = Long.parseLong(step.group(2));
            cpu = Long.parseLong(step.group(3));
        }
        assertEquals(List.of("JVM started", "flags read", "storage open and peer port listening", "leader known",
                "client port open"), steps, line.group());
        assertTrue(cpu > 0, line.group());
    }

    private static PutResponse put(Channel channel, String key) {
        return KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8("v")).build());
    }
}
