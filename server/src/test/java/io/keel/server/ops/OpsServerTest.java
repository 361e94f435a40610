package io.keel.server.ops;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.keel.server.cli.FreePorts;
import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.grpc.EtcdGrpcServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ops port over real HTTP against live members: /metrics in Prometheus text, /health and /readyz. */
class OpsServerTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @Test
    void aLeaderIsHealthyReadyAndCountsItsWork(@TempDir Path dir) throws Exception {
        KeelMetrics metrics = new KeelMetrics();
        InetSocketAddress peer = FreePorts.loopback();
        Keel keel = builder(dir, peer).initialCluster(Map.of(1L, peer)).observer(metrics).start();
        open.add(keel);
        metrics.bind(keel);
        EtcdGrpcServer grpc = EtcdGrpcServer.start(keel, new InetSocketAddress("127.0.0.1", 0));
        open.add(grpc);
        OpsServer ops = OpsServer.start(keel, metrics, new InetSocketAddress("127.0.0.1", 0));
        open.add(ops);
        String base = "http://127.0.0.1:" + ops.address().getPort();

        Poll.until("/health answers 200", () -> get(base + "/health").statusCode() == 200);
        HttpResponse<String> health = get(base + "/health");
        assertEquals("{\"health\":\"true\",\"reason\":\"\"}", health.body());
        assertEquals("application/json", health.headers().firstValue("Content-Type").orElse(""));
        Poll.until("/readyz answers 200", () -> get(base + "/readyz").statusCode() == 200);
        assertEquals("{\"ready\":\"true\",\"reason\":\"\"}", get(base + "/readyz").body());

        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
        open.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        var kv = KVGrpc.newBlockingStub(channel);
        // The member announces its name and client URL, and publishes its data directory's incarnation, through
        // Raft (proposals of its own, counted as the clients' are, retried until a leader is known): count the
        // clients' writes from after both, once no proposal is pending (each is counted as it is answered).
        Poll.until("the member announced its client URL and published its incarnation, nothing pending",
                () -> keel.membership().announced().isDone() && keel.membership().self() != null
                        && keel.membership().self().incarnation() != 0 && keel.pendingProposals() == 0);
        String before = get(base + "/metrics").body();
        double committedBefore = value(before, "keel_server_proposals_committed_total");
        double failedBefore = value(before, "keel_server_proposals_failed_total");
        for (int i = 0; i < 5; i++) {
            kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k" + i)).setValue(ByteString.copyFromUtf8("v")).build());
        }

        // A put is counted (committed, no longer pending) by a callback on its future that may run just after the
        // one that answered the client: wait for the counts to settle, then check them exactly.
        AtomicReference<HttpResponse<String>> scraped = new AtomicReference<>();
        Poll.until("the five puts are counted, none pending", () -> {
            scraped.set(get(base + "/metrics"));
            String t = scraped.get().body();
            return value(t, "keel_server_proposals_committed_total") - committedBefore >= 5
                    && value(t, "keel_server_proposals_pending") == 0;
        });
        HttpResponse<String> scrape = scraped.get();
        assertEquals(200, scrape.statusCode());
        assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                scrape.headers().toString());
        String text = scrape.body();
        assertEquals(1, value(text, "keel_server_has_leader"), text);
        assertEquals(1, value(text, "keel_server_is_leader"), text);
        assertTrue(value(text, "keel_raft_term") >= 1, text);
        assertEquals(1, value(text, "keel_server_leader_changes_seen_total"), text);
        assertEquals(5, value(text, "keel_server_proposals_committed_total") - committedBefore, text);
        assertEquals(0, value(text, "keel_server_proposals_failed_total") - failedBefore, text);
        assertEquals(0, value(text, "keel_server_proposals_pending"), text);
        assertEquals(2.0 * 1024 * 1024 * 1024, value(text, "keel_server_quota_backend_bytes"), "etcd's default quota");
        assertTrue(value(text, "keel_mvcc_db_total_size_in_bytes") > 0, text);
        double commit = value(text, "keel_raft_commit_index");
        assertTrue(commit >= 6, "five puts after the leader's first entry: " + text);
        assertEquals(commit, value(text, "keel_raft_applied_index"), text);
        assertTrue(value(text, "keel_disk_persist_duration_seconds_count") >= 5, text);
        assertTrue(value(text, "keel_server_apply_duration_seconds_count") >= 1, text);
        assertTrue(value(text, "keel_disk_log_syncs_total") >= 1, text);
        // The same measurements under etcd's names, for etcd's dashboards and alerts.
        assertEquals(1, value(text, "etcd_server_has_leader"), text);
        assertEquals(1, value(text, "etcd_server_is_leader"), text);
        assertEquals(1, value(text, "etcd_server_leader_changes_seen_total"), text);
        assertTrue(value(text, "etcd_server_proposals_committed_total") >= commit, text);
        assertTrue(value(text, "etcd_server_proposals_applied_total") >= commit, text);
        assertEquals(0, value(text, "etcd_server_proposals_pending"), text);
        assertTrue(value(text, "etcd_disk_wal_fsync_duration_seconds_count") >= 5, text);
        assertTrue(value(text, "etcd_disk_backend_commit_duration_seconds_count") >= 1, text);
        assertTrue(text.contains("etcd_server_version{server_version=\"3.4.23\"} 1"), text);
        assertTrue(value(text, "keel_disk_log_sync_seconds_total") > 0, text);
        assertEquals(1, value(text, "keel_server_id{member_id=\"1\"}"), text);

        HttpResponse<String> page = get(base + "/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"/cluster.js\""), page.body());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("connect-src 'self'"),
                "the page may fetch from this member only: " + page.headers());
        assertEquals(page.body(), get(base + "/cluster").body());
        assertEquals(200, get(base + "/cluster.js").statusCode());
        assertEquals(200, get(base + "/cluster.css").statusCode());
        HttpResponse<String> view = get(base + "/cluster.json");
        assertEquals("application/json", view.headers().firstValue("Content-Type").orElse(""));
        assertTrue(view.body().contains("\"role\":\"leader\",\"health\":\"healthy\""), view.body());
        assertTrue(view.body().contains("\"leader\":\"1\""), view.body());

        assertEquals(404, get(base + "/nothing").statusCode());
        assertEquals(404, get(base + "/cluster.html").statusCode());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/health"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void aMemberWithoutALeaderIsUnhealthyAndNotReady(@TempDir Path dir) throws Exception {
        KeelMetrics metrics = new KeelMetrics();
        InetSocketAddress peer = FreePorts.loopback();
        // Member 1 of two whose other member never starts: it can never elect a leader.
        Keel keel = builder(dir, peer).initialCluster(Map.of(1L, peer, 2L, FreePorts.loopback())).observer(metrics)
                .start();
        open.add(keel);
        metrics.bind(keel);
        OpsServer ops = OpsServer.start(keel, metrics, new InetSocketAddress("127.0.0.1", 0));
        open.add(ops);
        String base = "http://127.0.0.1:" + ops.address().getPort();

        HttpResponse<String> health = get(base + "/health");
        assertEquals(503, health.statusCode());
        assertEquals("{\"health\":\"false\",\"reason\":\"no leader known\"}", health.body());
        assertEquals(503, get(base + "/readyz").statusCode());
        // Elections keep failing; the member says so in its metrics too.
        Poll.until("an election was tried", () -> value(get(base + "/metrics").body(), "keel_raft_term") >= 1);
        String text = get(base + "/metrics").body();
        assertEquals(0, value(text, "keel_server_has_leader"), text);
        assertEquals(0, value(text, "keel_server_leader_changes_seen_total"), text);
        assertEquals(0, value(text, "keel_network_peer_connected{to=\"2\"}"), text);

        // The cluster page works with this member's own facts alone and says whom it could not reach.
        String view = get(base + "/cluster.json").body();
        assertTrue(view.contains("\"unreachable\":[{\"id\":\"2\""), view);
        assertTrue(view.contains("NO LEADER"), view);
        assertTrue(view.contains("\"self\":true,\"role\":\"") && view.contains("\"reachable\":true"), view);
    }

    @Test
    void aLeaderWhoseClientPortDoesNotServeIsNeitherHealthyNorReady(@TempDir Path dir) throws Exception {
        KeelMetrics metrics = new KeelMetrics();
        InetSocketAddress peer = FreePorts.loopback();
        Keel keel = builder(dir, peer).initialCluster(Map.of(1L, peer)).observer(metrics).start();
        open.add(keel);
        metrics.bind(keel);
        var serving = new java.util.concurrent.atomic.AtomicBoolean();
        OpsServer ops = OpsServer.start(keel, metrics, new InetSocketAddress("127.0.0.1", 0),
                io.keel.server.tls.MemberClientChannels.of(null), serving::get);
        open.add(ops);
        String base = "http://127.0.0.1:" + ops.address().getPort();
        Poll.until("the member leads", () -> keel.leaderId() != 0);

        // The launcher opens the client port a moment after a leader is known: until then a probe must not send
        // clients there.
        HttpResponse<String> health = get(base + "/health");
        assertEquals(503, health.statusCode());
        assertEquals("{\"health\":\"false\",\"reason\":\"client port not serving (yet, or any more)\"}", health.body());
        assertEquals(503, get(base + "/readyz").statusCode());

        serving.set(true);
        assertEquals(200, get(base + "/health").statusCode());
        Poll.until("/readyz answers 200", () -> get(base + "/readyz").statusCode() == 200);
    }

    private static Keel.Builder builder(Path dir, InetSocketAddress peer) {
        return Keel.builder().id(1).dataDir(dir.resolve("member-1")).listen(peer).initialClusterToken("ops-test")
                .tickInterval(Duration.ofMillis(10)).electionTimeout(Duration.ofMillis(800))
                .heartbeatInterval(Duration.ofMillis(80)).requestTimeout(Duration.ofSeconds(10));
    }

    private HttpResponse<String> get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of the sample named exactly (with its labels, if given) in Prometheus text. */
    static double value(String text, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(text);
        if (!m.find()) throw new AssertionError("no sample " + sample + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
