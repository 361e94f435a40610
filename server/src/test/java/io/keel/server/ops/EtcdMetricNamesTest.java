package io.keel.server.ops;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.cli.FreePorts;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.LeaseGrantRequest;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.LeaseRevokeRequest;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.WatchGrpc;
import io.keel.server.etcd.proto.WatchRequest;
import io.keel.server.etcd.proto.WatchResponse;
import io.keel.server.etcd.proto.lock.LockGrpc;
import io.keel.server.etcd.proto.lock.LockRequest;
import io.keel.server.grpc.ClientPort;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.keel.server.ops.OpsServerTest.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's metric names for the store, leases and gRPC calls (issue 15), on the client port's GET /metrics as etcd
 * serves it, after real puts, deletes, transactions, reads, leases, a lock and a watch over gRPC and the gateway.
 */
class EtcdMetricNamesTest {
    private static final String PUT = "{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}";
    private static final String TXN = "{grpc_method=\"Txn\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}";
    private static final String WATCH_CANCELED = "grpc_server_handled_total{grpc_code=\"Canceled\","
            + "grpc_method=\"Watch\",grpc_service=\"etcdserverpb.Watch\",grpc_type=\"bidi_stream\"}";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @Test
    void storeLeaseAndCallCountsUnderEtcdsNames(@TempDir Path dir) throws Exception {
        KeelMetrics metrics = new KeelMetrics();
        InetSocketAddress peer = FreePorts.loopback();
        Keel keel = Keel.builder().id(1).dataDir(dir.resolve("member-1")).listen(peer)
                .initialClusterToken("metric-names").initialCluster(Map.of(1L, peer))
                .tickInterval(Duration.ofMillis(10)).electionTimeout(Duration.ofMillis(800))
                .heartbeatInterval(Duration.ofMillis(80)).requestTimeout(Duration.ofSeconds(10))
                .observer(metrics).start();
        open.add(keel);
        metrics.bind(keel);
        EtcdGrpcServer grpc = EtcdGrpcServer.create(keel,
                ClientPort.at(new InetSocketAddress("127.0.0.1", 0)).withCallMetrics(metrics.calls()));
        grpc.serveGet("/metrics", metrics::page);
        grpc.open();
        open.add(grpc);
        String base = "http://127.0.0.1:" + grpc.port();
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
        open.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        Poll.until("the member announced its client URL", () -> keel.membership().announced().isDone());

        // Every method's series exist from the start, at 0, as go-grpc-prometheus makes them for etcd.
        String before = scrape(base);
        assertEquals(0, value(before, WATCH_CANCELED), before);
        assertEquals(0, value(before, "grpc_server_started_total{grpc_method=\"Lock\",grpc_service=\"v3lockpb.Lock\","
                + "grpc_type=\"unary\"}"), before);
        assertEquals(0, value(before, "etcd_debugging_mvcc_keys_total"), before);

        var kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        for (String k : new String[] {"a", "b", "c", "a"}) kv.put(put(k)); // 4 puts, 3 keys
        kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("b")).build()); // 1 delete, 2 keys
        kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("none")).build()); // a delete of nothing counts
        // One compare and one range read (2 ranges) and a put: a transaction; then a plain range.
        kv.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder().setKey(bytes("a"))
                        .setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.GREATER)
                        .setVersion(0))
                .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes("a"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(put("d"))).build()); // 3 keys
        kv.range(RangeRequest.newBuilder().setKey(bytes("a")).build());
        StatusRuntimeException future = assertThrows(StatusRuntimeException.class,
                () -> kv.range(RangeRequest.newBuilder().setKey(bytes("a")).setRevision(1_000_000).build()));
        assertEquals(io.grpc.Status.Code.OUT_OF_RANGE, future.getStatus().getCode());

        // A lease with a key, revoked: the key goes with it (a delete, as etcd's lessor counts it).
        var lease = LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        long id = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
        kv.put(put("leased").toBuilder().setLease(id).build()); // 4 keys
        lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()); // 3 keys

        // Through the HTTP gateway: counted once, as the KV Put it is.
        HttpResponse<String> viaGateway = http.send(HttpRequest.newBuilder(URI.create(base + "/v3/kv/put"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"ZQ==\",\"value\":\"dg==\"}")) // e = v
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, viaGateway.statusCode(), viaGateway.body()); // 4 keys

        // The lock service runs etcd's recipe with KV calls of its own: only the Lock call is counted.
        long lockLease = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
        String beforeLock = scrape(base);
        LockGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .lock(LockRequest.newBuilder().setName(bytes("lk")).setLease(lockLease).build()); // 5 keys
        String afterLock = scrape(base);
        assertEquals(value(beforeLock, "grpc_server_started_total" + TXN),
                value(afterLock, "grpc_server_started_total" + TXN), "the lock's own KV calls are not counted");
        assertEquals(1, value(afterLock, "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Lock\","
                + "grpc_service=\"v3lockpb.Lock\",grpc_type=\"unary\"}"), afterLock);

        // A watch the client cancels ends Canceled, as etcd's "watch canceled".
        CompletableFuture<Void> created = new CompletableFuture<>();
        ClientCallStreamObserver<WatchRequest>[] requests = new ClientCallStreamObserver[1];
        WatchGrpc.newStub(channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
                requests[0] = stream;
            }

            @Override
            public void onNext(WatchResponse r) {
                if (r.getCreated()) created.complete(null);
            }

            @Override
            public void onError(Throwable t) {
                created.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        requests[0].onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(bytes("a"))).build());
        created.get(60, TimeUnit.SECONDS);
        Poll.until("a watcher is counted", () -> value(scrape(base), "etcd_debugging_mvcc_watcher_total") == 1);
        requests[0].cancel("done", null);
        Poll.until("the cancelled watch is counted", () -> value(scrape(base), WATCH_CANCELED) == 1);

        String text = scrape(base);
        // Store counts, applied once here (a one-member cluster).
        assertEquals(4 + 1 + 1 + 1 + 1, delta(before, text, "etcd_mvcc_put_total"), text); // + lock key
        assertEquals(2 + 1, delta(before, text, "etcd_mvcc_delete_total"), text);
        assertTrue(delta(before, text, "etcd_mvcc_range_total") >= 3, text); // the lock's recipe reads too
        assertTrue(delta(before, text, "etcd_mvcc_txn_total") >= 1, text);
        assertEquals(value(text, "etcd_mvcc_put_total"), value(text, "etcd_debugging_mvcc_put_total"), text);
        assertEquals(5, value(text, "etcd_debugging_mvcc_keys_total"), text);
        assertEquals(keel.revision(), value(text, "etcd_debugging_mvcc_current_revision"), text);
        assertEquals(0, value(text, "etcd_debugging_mvcc_compact_revision"), text);
        assertEquals(2, delta(before, text, "etcd_debugging_lease_granted_total"), text);
        assertEquals(1, delta(before, text, "etcd_debugging_lease_revoked_total"), text);
        assertTrue(value(text, "etcd_mvcc_db_total_size_in_bytes") > 0, text);
        assertEquals(keel.quotaBytes(), value(text, "etcd_server_quota_backend_bytes"), text);
        // gRPC calls: 4 puts and the leased one over gRPC, one through the gateway; the failed range by its code.
        assertEquals(6, delta(before, text, "grpc_server_started_total" + PUT), text);
        assertEquals(6, delta(before, text, "grpc_server_handled_total{grpc_code=\"OK\"," + PUT.substring(1)), text);
        assertEquals(6, delta(before, text, "grpc_server_msg_received_total" + PUT), text);
        assertEquals(6, delta(before, text, "grpc_server_msg_sent_total" + PUT), text);
        assertEquals(1, value(text, "grpc_server_handled_total{grpc_code=\"OutOfRange\",grpc_method=\"Range\","
                + "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}"), text);
        assertEquals(1, value(text, "grpc_server_started_total{grpc_method=\"Watch\","
                + "grpc_service=\"etcdserverpb.Watch\",grpc_type=\"bidi_stream\"}"), text);
        assertTrue(delta(before, text, "etcd_network_client_grpc_received_bytes_total") > 0, text);
        assertTrue(delta(before, text, "etcd_network_client_grpc_sent_bytes_total") > 0, text);
        assertTrue(text.contains("\netcd_server_slow_apply_total "), text);
        assertTrue(text.contains("etcd_server_version{server_version=\"3.4.23\"} 1"), text);
        assertTrue(text.contains("etcd_cluster_version{cluster_version=\"3.4\"} 1"), text); // major.minor, as etcd
    }

    private String scrape(String base) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    r.headers().toString());
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double delta(String before, String after, String sample) {
        return value(after, sample) - value(before, sample);
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes("v")).build();
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
