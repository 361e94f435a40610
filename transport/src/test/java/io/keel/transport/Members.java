package io.keel.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Several transports on loopback that know each other; closes them all. */
final class Members implements AutoCloseable {
    static final long CLUSTER = 0xC1A5_7E12L;
    final Map<Long, Transport> transports = new LinkedHashMap<>();
    final Map<Long, Recorder> recorders = new LinkedHashMap<>();

    /** Starts members with the given ids, each listening on a free port, then introduces them to each other. */
    static Members start(List<Long> ids, UnaryOperator<TransportConfig.Builder> tune, boolean keepMessages) throws IOException {
        Members m = new Members();
        try {
            for (long id : ids) {
                Recorder r = new Recorder(keepMessages);
                m.recorders.put(id, r);
                m.transports.put(id, Transport.start(tune.apply(fastConfig(CLUSTER, id)).build(), r));
            }
            for (var a : m.transports.entrySet()) {
                for (var b : m.transports.entrySet()) {
                    if (!a.getKey().equals(b.getKey())) a.getValue().addPeer(b.getKey(), b.getValue().localAddress());
                }
            }
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** Short timeouts and back-off so tests are quick; everything else as in production. */
    static TransportConfig.Builder fastConfig(long cluster, long id) {
        return TransportConfig.builder(cluster, id)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200))
                .handshakeTimeout(Duration.ofSeconds(5));
    }

    Transport get(long id) {
        return transports.get(id);
    }

    Recorder recorder(long id) {
        return recorders.get(id);
    }

    /** Waits until every member's outbound connection to every other has completed its handshake. */
    void awaitConnected() {
        for (var e : transports.entrySet()) awaitConnected(e.getValue(), transports.keySet().stream()
                .filter(id -> !id.equals(e.getKey())).toList());
    }

    static void awaitConnected(Transport t, List<Long> peers) {
        Await.until(() -> peers.stream().allMatch(p -> {
            var s = t.stats().peers().get(p);
            return s != null && s.connected();
        }), () -> "connections to " + peers + ": " + t.stats().peers());
    }

    @Override
    public void close() {
        List<RuntimeException> errors = new ArrayList<>();
        for (Transport t : transports.values()) {
            try {
                t.close();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) throw errors.get(0);
    }
}
