package io.keel.server.grpc;

import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.RangeRequest;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's HTTP/JSON gateway on the client port, beside gRPC on the same port: requests and answers as grpc-gateway
 * reads and writes them (the JSON of etcd 3.4's own e2e curl tests), errors with grpc-gateway's statuses.
 */
class HttpGatewayTest {
    @TempDir
    static Path dir;
    private static GrpcTestMember member;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        member = GrpcTestMember.startLeader(dir);
    }

    @AfterAll
    static void stop() {
        member.close();
    }

    @Test
    void putThenRangeOverHttpIsSeenByGrpcOnTheSamePort() throws Exception {
        HttpResponse<String> put = post("/v3/kv/put", "{\"key\":\"Z3cx\",\"value\":\"YmFy\"}"); // gw1 = bar
        assertEquals(200, put.statusCode(), put::body);
        assertTrue(put.body().matches("\\{\"header\":\\{\"cluster_id\":\"\\d+\",\"member_id\":\"\\d+\","
                + "\"revision\":\"\\d+\",\"raft_term\":\"\\d+\"}}"), put.body());

        HttpResponse<String> range = post("/v3beta/kv/range", "{\"key\":\"Z3cx\"}");
        assertEquals(200, range.statusCode(), range::body);
        assertTrue(range.body().contains("\"kvs\":[{\"key\":\"Z3cx\",\"create_revision\":\""), range.body());
        assertTrue(range.body().contains("\"value\":\"YmFy\"}],\"count\":\"1\"}"), range.body());

        // The same port still speaks gRPC.
        var kvs = KVGrpc.newBlockingStub(member.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("gw1")).build()).getKvsList();
        assertEquals("bar", kvs.get(0).getValue().toStringUtf8());
    }

    @Test
    void healthIsServedOnTheClientPortAsEtcdServesIt() throws Exception {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(uri("/health")).GET()
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health::body);
        assertEquals("{\"health\":\"true\"}", health.body());
        assertEquals(405, post("/health", "{}").statusCode());
    }

    @Test
    void txnAnswersAsEtcdsGatewayDoes() throws Exception {
        HttpResponse<String> txn = post("/v3/kv/txn", "{\"compare\":[{\"key\":\"dHhu\",\"result\":\"EQUAL\","
                + "\"target\":\"CREATE\",\"create_revision\":\"0\"}],\"success\":[{\"request_put\":{\"key\":\"dHhu\","
                + "\"value\":\"YmFy\"}}]}");
        assertEquals(200, txn.statusCode(), txn::body);
        assertTrue(txn.body().matches(".*\"succeeded\":true,\"responses\":\\[\\{\"response_put\":\\{\"header\":"
                + "\\{\"revision\":\"\\d+\"}}}]}"), txn.body());
    }

    @Test
    void aWatchStreamsResultLinesUntilTheClientLeaves() throws Exception {
        assertEquals(200, post("/v3/kv/put", "{\"key\":\"d2F0Y2hlZA==\",\"value\":\"djE=\"}").statusCode());
        try (Socket s = new Socket("127.0.0.1", member.server.port())) {
            s.setSoTimeout(30_000);
            String body = "{\"create_request\":{\"key\":\"d2F0Y2hlZA==\",\"start_revision\":1}}";
            OutputStream out = s.getOutputStream();
            out.write(("POST /v3/watch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("HTTP/1.1 200 OK", in.readLine());
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.contains("\"events\"")) break;
            }
            String text = seen.toString();
            assertTrue(text.contains("{\"result\":{\"header\":"), text);
            assertTrue(text.contains("\"created\":true"), text);
            assertTrue(text.contains("\"events\":[{\"kv\":{\"key\":\"d2F0Y2hlZA==\""), text);
            assertTrue(text.contains("\"value\":\"djE=\""), text);
        }
    }

    @Test
    void badRequestsGetGrpcGatewaysErrors() throws Exception {
        // The malformed transaction that once crashed etcd's gateway: refused, nothing written.
        HttpResponse<String> malformed = post("/v3/kv/txn", "{\"compare\":[{\"result\":0,\"target\":1,"
                + "\"key\":\"Zm9v\",\"TargetUnion\":null}],\"success\":[{\"Request\":{\"RequestPut\":{\"key\":\"Zm9v\","
                + "\"value\":\"YmFy\"}}}]}");
        assertEquals(400, malformed.statusCode(), malformed::body);
        assertTrue(malformed.body().startsWith("{\"error\":\""), malformed.body());
        assertTrue(malformed.body().endsWith("\"code\":3}"), malformed.body());

        HttpResponse<String> notJson = post("/v3/kv/put", "{key");
        assertEquals(400, notJson.statusCode(), notJson::body);

        HttpResponse<String> empty = post("/v3/kv/range", "");
        assertEquals(400, empty.statusCode(), empty::body);
        assertEquals("{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not"
                + " provided\",\"code\":3}", empty.body());

        assertEquals(404, post("/v3/kv/nothing", "{}").statusCode());
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(uri("/v3/kv/range")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        // The gateway still answers after all that.
        assertEquals(200, post("/v3/maintenance/status", "{}").statusCode());
    }

    private static HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + member.server.port() + path);
    }
}
