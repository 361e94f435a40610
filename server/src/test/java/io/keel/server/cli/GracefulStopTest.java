package io.keel.server.cli;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.LeaseGrantRequest;
import io.keel.server.etcd.proto.LeaseGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.keel.server.cli.ProcessCluster.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, restarts that clients barely notice: SIGTERM to the leader of three launcher processes while clients
 * watch and keep a lease alive through it. The stopping member ends its watch and keep-alive streams with UNAVAILABLE "etcdserver: server stopped" (which
 * etcd clients retry elsewhere; before, they were cut with RST_STREAM CANCEL, on which jetcd gives the watch up),
 * jetcd's watch moves to another member by itself and sees the writes made after the stop, the process exits 0
 * promptly, and writes through the other members go on.
 */
@ExtendWith(MemberOutputOnFailure.class)
class GracefulStopTest {
    private static final String PREFIX = "gs/";
    /** Generous for a loaded 2-core machine; a stop takes well under a second when the machine is idle. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(20);

    @RegisterExtension
    final CloseAfterEach closing = new CloseAfterEach();

    @Test
    void aStoppingLeaderSendsItsWatchersElsewhereAndExitsPromptly(@TempDir Path dir) throws Exception {
        ProcessCluster cluster = closing.add(ProcessCluster.start(dir, "graceful-stop", "s1", "s2", "s3"));
        MemberProcess stopping = ProcessCluster.awaitLeaderKnownToAll(cluster.members);
        List<MemberProcess> others = cluster.others(stopping);

        PrefixWatch raw = closing.add(new PrefixWatch(stopping.channel, stopping.name + " (raw gRPC)", PREFIX, 1))
                .awaitCreated();
        // jetcd with pick_first: its one connection goes to the first endpoint, the stopping member, and moves to
        // the next one only when that member sends it away.
        Client jetcd = closing.add(Client.builder().loadBalancerPolicy("pick_first")
                .endpoints("http://127.0.0.1:" + stopping.clientPort, "http://127.0.0.1:" + others.get(0).clientPort)
                .connectTimeout(Duration.ofSeconds(10)).build());
        Set<String> jetcdSaw = ConcurrentHashMap.newKeySet();
        AtomicReference<Throwable> jetcdError = new AtomicReference<>();
        ByteSequence prefix = ByteSequence.from(PREFIX, StandardCharsets.UTF_8);
        closing.add(jetcd.getWatchClient().watch(prefix, WatchOption.builder().isPrefix(true).build(),
                Watch.listener(r -> {
                    for (WatchEvent e : r.getEvents()) {
                        jetcdSaw.add(e.getKeyValue().getKey().toString(StandardCharsets.UTF_8));
                    }
                }, jetcdError::set)));

        long lease = LeaseGrpc.newBlockingStub(stopping.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build()).getID();
        LeaseKeeper keeper = closing.add(new LeaseKeeper(stopping.channel, List.of(lease))).start();

        UniqueKeyWriter writer = closing.add(new UniqueKeyWriter(PREFIX, others)).start();
        Poll.until("both watches see the writes and the keep-alive stream is answered", DEADLINE, () -> {
            raw.assertOpen();
            return raw.count() >= 20 && jetcdSaw.size() >= 20 && keeper.answers(lease) >= 1;
        });
        assertTrue(keeper.streamFailures().isEmpty(), keeper.streamFailures()::toString);

        long signalled = System.nanoTime();
        stopping.process().destroy(); // SIGTERM
        Poll.until("the raw watch on " + stopping.name + " ends", DEADLINE, () -> raw.end() != null);
        StatusRuntimeException end = assertInstanceOf(StatusRuntimeException.class, raw.end(),
                "the stream ends with a status, not a completion");
        assertEquals(Status.Code.UNAVAILABLE, end.getStatus().getCode(), () -> "a status clients retry: " + end);
        assertEquals("etcdserver: server stopped", end.getStatus().getDescription());
        // The keep-alive stream too: its client reopens it elsewhere instead of renewing through a stopping member.
        Poll.until("the keep-alive stream on " + stopping.name + " ends", DEADLINE,
                () -> !keeper.streamFailures().isEmpty());
        Status keepAliveEnd = Status.fromThrowable(keeper.streamFailures().get(0));
        assertEquals(Status.Code.UNAVAILABLE, keepAliveEnd.getCode(), keepAliveEnd::toString);
        assertEquals("etcdserver: server stopped", keepAliveEnd.getDescription());

        assertTrue(stopping.process().waitFor(STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS),
                stopping.name + " exits within " + STOP_BOUND);
        long stoppedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        assertEquals(0, stopping.process().exitValue(), () -> stopping.outputTail(40));
        assertTrue(stopping.output().contains("keel: member " + stopping.name + " stopped"), () -> stopping.outputTail(40));

        int acknowledgedAtExit = writer.acknowledgedCount();
        Poll.until("writes through the other members go on", DEADLINE,
                () -> writer.acknowledgedCount() >= acknowledgedAtExit + 20);
        String written = lastAcknowledgedKey(writer);
        Poll.until("jetcd's watch, moved to another member, sees " + written + " (written after the stop)", DEADLINE,
                () -> jetcdSaw.contains(written));
        // jetcd tells the listener of every stream failure, then resumes the watch unless the status is one it
        // must not retry (CANCELLED, what a stream cut at the end of the old 5 s grace got, ended it for good).
        Throwable told = jetcdError.get();
        if (told != null) {
            EtcdException e = assertInstanceOf(EtcdException.class, told);
            assertEquals(ErrorCode.UNAVAILABLE, e.getErrorCode(), told::toString);
        }
        System.out.println(stopping.name + " stopped in " + stoppedMillis + " ms after SIGTERM");
    }

    private static String lastAcknowledgedKey(UniqueKeyWriter writer) {
        return writer.acknowledged().entrySet().stream().max(java.util.Map.Entry.comparingByValue()).orElseThrow()
                .getKey();
    }
}
