package io.keel.server.grpc;

import io.keel.server.cli.FreePorts;
import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.membership.PeerUrls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcdctl's member commands against Keel: add a learner, refuse to promote it before it caught up, start it with an
 * empty data directory, promote it, list as JSON, remove it, refuse to remove it again.
 */
class EtcdctlMemberTest {
    @TempDir
    Path dir;

    private Etcdctl.Result etcdctl(int port, String... args) throws IOException, InterruptedException {
        return new Etcdctl(dir, "127.0.0.1:" + port).run(null, args);
    }

    private String ok(int port, String... args) throws IOException, InterruptedException {
        return new Etcdctl(dir, "127.0.0.1:" + port).ok(null, args);
    }

    @Test
    void memberAddPromoteListRemove() throws Exception {
        try (GrpcTestMember first = GrpcTestMember.startLeader(dir, b -> b.name("one"))) {
            int port = first.server.port();
            String clientUrl = "http://127.0.0.1:" + port;
            String peerUrl = PeerUrls.text(first.keel.initialCluster().get(1L));
            Poll.until("the member announced its client URL", () -> first.keel.membership().self() != null
                    && first.keel.membership().self().clientUrls().equals(List.of(clientUrl)));
            assertEquals("{\"header\":{\"cluster_id\":" + Long.toUnsignedString(first.keel.clusterId())
                    + ",\"member_id\":1,\"revision\":1,\"raft_term\":" + first.keel.state().term() + "},\"members\":[{\"ID\":1,"
                    + "\"name\":\"one\",\"peerURLs\":[\"" + peerUrl + "\"],\"clientURLs\":[\"" + clientUrl + "\"]}]}\n",
                    ok(port, "member", "list", "-w", "json"));
            ok(port, "put", "before", "join");

            InetSocketAddress peer2 = FreePorts.loopback();
            String peer2Url = PeerUrls.text(peer2);
            String added = ok(port, "member", "add", "two", "--peer-urls=" + peer2Url, "--learner");
            Matcher m = Pattern.compile("Member\\s+([0-9a-f]+) added to cluster\\s+([0-9a-f]+)").matcher(added);
            assertTrue(m.find(), added);
            long id = Long.parseUnsignedLong(m.group(1), 16);
            assertEquals(first.keel.clusterId(), Long.parseUnsignedLong(m.group(2), 16));
            assertTrue(added.contains("ETCD_INITIAL_CLUSTER=\"one=" + peerUrl + ",two=" + peer2Url + "\"")
                    || added.contains("ETCD_INITIAL_CLUSTER=\"two=" + peer2Url + ",one=" + peerUrl + "\""), added);
            assertTrue(added.contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\""), added);
            String hex = Long.toHexString(id);
            String learnerList = ok(port, "member", "list");
            assertTrue(learnerList.contains(hex + ", unstarted, , " + peer2Url + ", , true"), learnerList);

            Etcdctl.Result early = etcdctl(port, "member", "promote", hex);
            assertNotEquals(0, early.exit(), early.toString());
            assertTrue(early.err().contains("can only promote a learner member which is in sync with leader"),
                    early.toString());
            Etcdctl.Result again = etcdctl(port, "member", "add", "three", "--peer-urls=" + peer2Url, "--learner");
            assertNotEquals(0, again.exit());
            assertTrue(again.err().contains("Peer URLs already exists"), again.toString());

            try (Keel joiner = Keel.builder().id(id).name("two").dataDir(dir.resolve("two")).listen(peer2)
                    .initialCluster(Map.of(1L, first.keel.initialCluster().get(1L), id, peer2))
                    .joinExisting(first.keel.clusterId()).tickInterval(Duration.ofMillis(10))
                    .electionTimeout(Duration.ofMillis(800)).heartbeatInterval(Duration.ofMillis(80)).start()) {
                Poll.until("the joiner caught up", () -> joiner.get("before", true).equals(Optional.of("join")));
                Poll.until("etcdctl promotes the learner", () -> {
                    try {
                        Etcdctl.Result r = etcdctl(port, "member", "promote", hex);
                        if (r.exit() != 0) return false;
                        // etcdctl prints both ids with %16x: a leading zero becomes a space.
                        assertEquals(String.format("Member %16x promoted in cluster %16x%n", id,
                                first.keel.clusterId()), r.out());
                        return true;
                    } catch (IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
                Poll.until("the joiner's announcement is applied", () -> first.keel.membership().list().stream()
                        .anyMatch(x -> x.id() == id && x.name().equals("two")));
                String json = ok(port, "member", "list", "-w", "json");
                assertTrue(json.contains("{\"ID\":" + Long.toUnsignedString(id) + ",\"name\":\"two\",\"peerURLs\":[\""
                        + peer2Url + "\"]}"), json); // a voter now (no isLearner); no gRPC server: no client URLs
                assertFalse(json.contains("isLearner"), json);

                assertEquals(String.format("Member %16x removed from cluster %16x", id, first.keel.clusterId())
                        + "\n", ok(port, "member", "remove", hex));
                Etcdctl.Result gone = etcdctl(port, "member", "remove", hex);
                assertNotEquals(0, gone.exit());
                assertTrue(gone.err().contains("etcdserver: member not found"), gone.toString());
                String after = ok(port, "member", "list", "-w", "json");
                assertFalse(after.contains(Long.toUnsignedString(id)), after);
                assertEquals("OK\n", ok(port, "put", "after", "removal"));
            }
        }
    }
}
