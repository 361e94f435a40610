package io.keel.benchmarks.load;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Client endpoints (host:port, optionally http://host:port as etcd writes them) and how to find the leader among them. */
final class Endpoints {
    private Endpoints() {
    }

    static List<InetSocketAddress> parse(String list) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String raw : list.split(",")) {
            String s = raw.trim();
            if (s.isEmpty()) continue;
            if (s.startsWith("https://")) throw new IllegalArgumentException("TLS endpoints are not supported: " + s);
            if (s.startsWith("http://")) s = s.substring("http://".length());
            if (s.endsWith("/")) s = s.substring(0, s.length() - 1);
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("endpoint must be host:port: " + raw.trim());
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in endpoint " + raw.trim());
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("bad port in endpoint " + raw.trim());
            out.add(InetSocketAddress.createUnresolved(s.substring(0, colon), port));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no endpoint given");
        return out;
    }

    static ManagedChannel channel(InetSocketAddress endpoint) {
        // directExecutor: callbacks run on the transport's event loop and only record and send the next request.
        return ManagedChannelBuilder.forAddress(endpoint.getHostString(), endpoint.getPort()).usePlaintext()
                .directExecutor().build();
    }

    /**
     * The endpoint of the leader: asks each endpoint's Maintenance.Status whom it believes leads, and returns the
     * endpoint whose own member id (the response header's) is that leader.
     */
    static InetSocketAddress leader(List<InetSocketAddress> endpoints) {
        List<String> seen = new ArrayList<>();
        for (InetSocketAddress e : endpoints) {
            ManagedChannel ch = channel(e);
            try {
                StatusResponse s = MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                long self = s.getHeader().getMemberId();
                if (s.getLeader() != 0 && s.getLeader() == self) return e;
                seen.add(e.getHostString() + ":" + e.getPort() + " is " + Long.toHexString(self) + ", leader "
                        + Long.toHexString(s.getLeader()));
            } catch (StatusRuntimeException ex) {
                seen.add(e.getHostString() + ":" + e.getPort() + " answered " + ex.getStatus());
            } finally {
                ch.shutdownNow();
            }
        }
        throw new IllegalStateException("no endpoint is the leader: " + String.join("; ", seen));
    }
}
