package io.keel.server.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.keel.server.Keel;

import io.keel.server.concurrent.NamedThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The ops port (--listen-metrics-urls), apart from the client port so scrapes and probes never queue behind client
 * traffic: {@code GET /metrics} (Prometheus text format), {@code /health} (200 while the member runs and knows a
 * leader, else 503; etcd's {"health":"true"} body), {@code /readyz} (200 once it also has applied everything it
 * knows to be committed), and the cluster page: {@code /} or {@code /cluster} (HTML, CSS and a little JavaScript
 * from this module's resources) polling {@code /cluster.json} ({@link ClusterSurvey}). Two small threads: a page
 * waiting on a dead member's deadline must not hold up a scrape.
 */
public final class OpsServer implements AutoCloseable {
    /** The page may talk to this member only: no other origin, no inline script, nothing from the internet. */
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final HttpServer server;
    private final ExecutorService executor;
    private final ClusterSurvey survey;

    private OpsServer(HttpServer server, ExecutorService executor, ClusterSurvey survey) {
        this.server = server;
        this.executor = executor;
        this.survey = survey;
    }

    public static OpsServer start(Keel keel, KeelMetrics metrics, InetSocketAddress address) throws IOException {
        return start(keel, metrics, address, io.keel.server.tls.MemberClientChannels.of(null));
    }

    /** As above; the cluster page asks the other members through {@code members} (the member's client TLS). */
    public static OpsServer start(Keel keel, KeelMetrics metrics, InetSocketAddress address,
                                  io.keel.server.tls.MemberClientChannels members) throws IOException {
        return start(keel, metrics, address, members, () -> true);
    }

    /**
     * As above, for a member with a client port of its own (the launcher's): {@code /health} and {@code /readyz}
     * say 200 only while {@code clientPortServing} holds, so a probe never sends clients to a port not open yet.
     */
    public static OpsServer start(Keel keel, KeelMetrics metrics, InetSocketAddress address,
                                  io.keel.server.tls.MemberClientChannels members,
                                  java.util.function.BooleanSupplier clientPortServing) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        server.createContext("/metrics", exchange -> {
            if (!isGet(exchange)) return;
            io.keel.server.gateway.PlainAnswer page = metrics.page();
            respond(exchange, 200, page.contentType(), page.body());
        });
        server.createContext("/health", exchange -> {
            if (!isGet(exchange)) return;
            json(exchange, MemberHealth.health(keel, metrics.failure(), clientPortServing.getAsBoolean()),
                    "health");
        });
        server.createContext("/readyz", exchange -> {
            if (!isGet(exchange)) return;
            json(exchange, MemberHealth.ready(keel, metrics.failure(), clientPortServing.getAsBoolean()),
                    "ready");
        });
        ClusterSurvey survey = new ClusterSurvey(keel, metrics, new StatusProbe(members));
        server.createContext("/cluster.json", exchange -> {
            if (!isGet(exchange)) return;
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            String body;
            try {
                body = ClusterJson.of(survey.view());
            } catch (RuntimeException e) {
                // The member is stopping (its directory or store refuse reads): the page says this member does not
                // answer rather than waiting on a connection the server would drop.
                respond(exchange, 503, "application/json", new JsonWriter().beginObject()
                        .field("error", StatusProbe.describe(e)).endObject().toString()
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            respond(exchange, 200, "application/json", body.getBytes(StandardCharsets.UTF_8));
        });
        Map<String, Page> pages = Map.of(
                "/", Page.load("cluster.html", "text/html; charset=utf-8"),
                "/cluster", Page.load("cluster.html", "text/html; charset=utf-8"),
                "/cluster.css", Page.load("cluster.css", "text/css; charset=utf-8"),
                "/cluster.js", Page.load("cluster.js", "text/javascript; charset=utf-8"));
        server.createContext("/", exchange -> {
            Page page = pages.get(exchange.getRequestURI().getPath());
            if (page == null) {
                respond(exchange, 404, "text/plain; charset=utf-8",
                        "not found: try /, /metrics, /health or /readyz\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!isGet(exchange)) return;
            exchange.getResponseHeaders().set("Content-Security-Policy", PAGE_POLICY);
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            respond(exchange, 200, page.contentType(), page.body());
        });
        ExecutorService executor = Executors.newFixedThreadPool(2,
                NamedThreads.numbered("keel-ops-" + Long.toHexString(keel.memberId())));
        server.setExecutor(executor);
        server.start();
        return new OpsServer(server, executor, survey);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static boolean isGet(HttpExchange exchange) throws IOException {
        String m = exchange.getRequestMethod();
        if (m.equals("GET") || m.equals("HEAD")) return true;
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private static void json(HttpExchange exchange, MemberHealth h, String field) throws IOException {
        respond(exchange, h.ok() ? 200 : 503, "application/json",
                h.json(field).getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body)
            throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** A file of the page, read once from this package's resources. */
    private record Page(byte[] body, String contentType) {
        static Page load(String name, String contentType) throws IOException {
            try (InputStream in = OpsServer.class.getResourceAsStream(name)) {
                if (in == null) throw new IOException("resource " + name + " is missing from the jar");
                return new Page(in.readAllBytes(), contentType);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        survey.close();
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
