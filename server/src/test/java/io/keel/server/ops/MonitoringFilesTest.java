package io.keel.server.ops;

import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.cli.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard and the Prometheus alerting rules in docs/monitoring/ name only metrics that Keel serves:
 * every {@code keel_...} name in either file must appear as a sample in /metrics of a live two-member cluster (two,
 * so the per-peer metrics and the leader's round trips have samples). A renamed metric fails here, not on an
 * operator's empty panel.
 */
class MonitoringFilesTest {
    private static final Path MONITORING = Path.of("..", "docs", "monitoring");
    private static final Pattern METRIC = Pattern.compile("\\bkeel_[a-z0-9_]+");
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsUseIsServed(@TempDir Path dir) throws Exception {
        Set<String> used = new TreeSet<>();
        used.addAll(namesIn(dashboardExpressions()));
        used.addAll(namesIn(alertExpressions()));
        assertTrue(used.size() >= 15, "the files use Keel's metrics: " + used);

        List<String> scrapeUrls = twoMembers(dir);
        Set<String> served = new TreeSet<>();
        Poll.until("every metric the monitoring files use is served", Duration.ofSeconds(60), () -> {
            for (String url : scrapeUrls) served.addAll(sampleNames(get(url)));
            return served.containsAll(used);
        }, () -> {
            Set<String> missing = new TreeSet<>(used);
            missing.removeAll(served);
            return "; not served: " + missing;
        });
    }

    /** Every panel's query, and the dashboard parses as JSON (YAML's flow style reads it). */
    @SuppressWarnings("unchecked")
    private static List<String> dashboardExpressions() throws IOException {
        Map<String, Object> dash = new Yaml().load(Files.readString(MONITORING.resolve("keel-dashboard.json")));
        List<String> exprs = new ArrayList<>();
        for (Map<String, Object> panel : (List<Map<String, Object>>) dash.get("panels")) {
            if (panel.get("type").equals("row")) continue;
            List<Map<String, Object>> targets = (List<Map<String, Object>>) panel.get("targets");
            assertFalse(targets == null || targets.isEmpty(), "panel " + panel.get("title") + " has a query");
            for (Map<String, Object> t : targets) exprs.add((String) t.get("expr"));
        }
        return exprs;
    }

    @SuppressWarnings("unchecked")
    private static List<String> alertExpressions() throws IOException {
        Map<String, Object> rules = new Yaml().load(Files.readString(MONITORING.resolve("keel-alerts.yml")));
        List<String> exprs = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                assertTrue(rule.containsKey("alert") && rule.containsKey("expr"), "an alerting rule: " + rule);
                exprs.add(String.valueOf(rule.get("expr")));
            }
        }
        return exprs;
    }

    private static Set<String> namesIn(List<String> exprs) {
        Set<String> names = new TreeSet<>();
        for (String e : exprs) {
            Matcher m = METRIC.matcher(e);
            while (m.find()) names.add(m.group());
        }
        return names;
    }

    private static Set<String> sampleNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /** Two members on loopback with metrics and ops ports; returns their /metrics URLs once one leads. */
    private List<String> twoMembers(Path dir) throws IOException {
        Map<Long, InetSocketAddress> peers = Map.of(1L, FreePorts.loopback(), 2L, FreePorts.loopback());
        List<String> urls = new ArrayList<>();
        List<Keel> members = new ArrayList<>();
        for (long id : peers.keySet()) {
            KeelMetrics metrics = new KeelMetrics();
            Keel keel = Keel.builder().id(id).dataDir(dir.resolve("m" + id)).listen(peers.get(id))
                    .initialCluster(peers).initialClusterToken("monitoring-test").tickInterval(Duration.ofMillis(10))
                    .electionTimeout(Duration.ofMillis(800)).heartbeatInterval(Duration.ofMillis(80))
                    .observer(metrics).start();
            open.add(keel);
            metrics.bind(keel);
            members.add(keel);
            OpsServer ops = OpsServer.start(keel, metrics, new InetSocketAddress("127.0.0.1", 0));
            open.add(ops);
            urls.add("http://127.0.0.1:" + ops.address().getPort() + "/metrics");
        }
        Poll.until("a leader", () -> members.stream().anyMatch(Keel::isLeader));
        Keel leader = members.stream().filter(Keel::isLeader).findFirst().orElseThrow();
        leader.put("k", "v"); // persist and apply histograms get samples
        return urls;
    }

    private String get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
