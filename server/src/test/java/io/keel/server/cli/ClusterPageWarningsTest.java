package io.keel.server.cli;

import com.sun.net.httpserver.HttpServer;
import io.keel.server.membership.MemberInfo;
import io.keel.server.ops.ClusterJson;
import io.keel.server.ops.ClusterView;
import io.keel.server.ops.ClusterWarnings;
import io.keel.server.ops.LeaderHistory;
import io.keel.server.ops.MemberFacts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page's loud warnings, drawn by headless Chromium. No real cluster disagrees about a term's leader (Raft forbids
 * it; the simulation proves it does not happen), so this serves the page's own files beside a view built by the
 * real {@link ClusterWarnings} and {@link ClusterJson} from facts that disagree, and checks what a person sees: the
 * red list with the disagreement and the stuck member, and hostile names as text.
 */
class ClusterPageWarningsTest {
    @Test
    void disagreementAndAStuckMemberShowAsAlertsAndHostileNamesStayText(@TempDir Path dir) throws Exception {
        long now = System.currentTimeMillis();
        MemberFacts a = facts(1, "a", 5, 1, 40, 40, now);
        MemberFacts b = facts(2, "b<img src=x onerror=alert(1)>", 5, 2, 40, 40, now);
        MemberFacts c = facts(3, "c", 5, 1, 40, 12, now);
        MemberFacts d = MemberFacts.unreachable(new MemberInfo(4, "d", List.of("http://10.0.0.4:2380"),
                List.of("http://10.0.0.4:2379"), false), "http://10.0.0.4:2379: UNAVAILABLE: io exception", 0);
        List<MemberFacts> members = List.of(a, b, c, d);
        ClusterView draft = new ClusterView(now, 1, 0xabc, members, Map.of(2L, "connected", 3L, "connected",
                4L, "down"), List.of(), List.of());
        List<String> warnings = ClusterWarnings.of(members,
                List.of(new LeaderHistory.Disagreement(5, Map.of(1L, List.of(1L, 3L), 2L, List.of(2L)))),
                Map.of(3L, 14_000L), draft::nameOf);
        ClusterView view = new ClusterView(now, 1, 0xabc, members, draft.peerLinks(), warnings, List.of(
                new LeaderHistory.Entry(now - 5000, 1, 5, 1), new LeaderHistory.Entry(now - 4000, 2, 5, 2)));
        byte[] json = ClusterJson.of(view).getBytes(StandardCharsets.UTF_8);

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body = path.equals("/cluster.json") ? json
                    : resource(path.equals("/cluster") ? "cluster.html" : path.substring(1));
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        try {
            String page = "http://127.0.0.1:" + server.getAddress().getPort() + "/cluster";
            Chromium chromium = new Chromium(dir);
            String dom = chromium.dumpDom(page);
            assertTrue(dom.contains("<li>LEADER DISAGREEMENT in term 5: a, c say a; b&lt;img src=x"
                    + " onerror=alert(1)&gt; says b&lt;img"), dom);
            assertTrue(dom.contains("<li>APPLIED INDEX STUCK: c's applied index has not moved for 14 s"), dom);
            assertTrue(dom.contains("Could not reach d (4): http://10.0.0.4:2379: UNAVAILABLE"), dom);
            assertFalse(dom.contains("<img"), "a name is text, never markup");
            chromium.screenshot(page, Path.of("target", "cluster-page", "3-warnings.png"));
        } finally {
            server.stop(0);
        }
    }

    private static MemberFacts facts(long id, String name, long term, long leader, long commit, long applied,
                                     long now) {
        String role = leader == id ? "leader" : "follower";
        return new MemberFacts(id, name, role, term, leader, commit, applied, false,
                List.of("http://10.0.0." + id + ":2379"), List.of("http://10.0.0." + id + ":2380"), List.of(), null,
                now);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ClusterView.class.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        }
    }
}
