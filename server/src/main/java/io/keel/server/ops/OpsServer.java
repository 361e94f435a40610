package io.keel.server.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.keel.server.Keel;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import io.keel.server.concurrent.NamedThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The ops port (--listen-metrics-urls), apart from the client port so scrapes and probes never queue behind client
 * traffic: {@code GET /metrics} (Prometheus text format), {@code /health} (200 while the member runs and knows a
 * leader, else 503; etcd's {"health":"true"} body) and {@code /readyz} (200 once it also has applied everything it
 * knows to be committed). One small thread: these requests are rare and cheap.
 */
public final class OpsServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private OpsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static OpsServer start(Keel keel, KeelMetrics metrics, InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
        server.createContext("/metrics", exchange -> {
            if (!isGet(exchange)) return;
            ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
            text.write(body, metrics.registry().scrape());
            respond(exchange, 200, text.getContentType(), body.toByteArray());
        });
        server.createContext("/health", exchange -> {
            if (!isGet(exchange)) return;
            json(exchange, MemberHealth.health(keel, metrics.failure()), "health");
        });
        server.createContext("/readyz", exchange -> {
            if (!isGet(exchange)) return;
            json(exchange, MemberHealth.ready(keel, metrics.failure()), "ready");
        });
        server.createContext("/", exchange -> respond(exchange, 404, "text/plain; charset=utf-8",
                "not found: try /metrics, /health or /readyz\n".getBytes(StandardCharsets.UTF_8)));
        ExecutorService executor = Executors.newSingleThreadExecutor(
                NamedThreads.single("keel-ops-" + Long.toHexString(keel.memberId())));
        server.setExecutor(executor);
        server.start();
        return new OpsServer(server, executor);
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

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
