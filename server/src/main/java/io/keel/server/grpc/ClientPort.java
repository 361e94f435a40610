package io.keel.server.grpc;

import io.keel.server.tls.ClientTls;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * What a client port is built from: where it listens (etcd's --listen-client-urls, several addresses allowed), its
 * limits (etcd's --max-request-bytes, --max-txn-ops, --max-concurrent-streams, --grpc-keepalive-*), TLS (etcd's
 * --cert-file and friends; null: plain text), authentication settings, and where its calls are counted (etcd's
 * grpc_server_* metrics; null: not counted). Start from {@link #at} and change what differs from etcd's defaults.
 */
public record ClientPort(List<InetSocketAddress> addresses, ClientLimits limits, ClientTls tls,
                         EtcdGrpcServer.AuthSettings auth, GrpcCallMetrics calls) {

    public ClientPort {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) throw new IllegalArgumentException("a client port needs at least one address");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(auth, "auth");
    }

    /** Plain text on these addresses, with etcd's default limits and authentication settings, calls not counted. */
    public static ClientPort at(List<InetSocketAddress> addresses) {
        return new ClientPort(addresses, ClientLimits.ETCD_DEFAULTS, null, EtcdGrpcServer.AuthSettings.DEFAULTS, null);
    }

    /** As {@link #at(List)}, on one address. */
    public static ClientPort at(InetSocketAddress address) {
        return at(List.of(address));
    }

    public ClientPort withLimits(ClientLimits newLimits) {
        return new ClientPort(addresses, newLimits, tls, auth, calls);
    }

    /** Serves TLS instead of plain text; the server closes {@code newTls} when it closes. */
    public ClientPort withTls(ClientTls newTls) {
        return new ClientPort(addresses, limits, newTls, auth, calls);
    }

    public ClientPort withAuth(EtcdGrpcServer.AuthSettings newAuth) {
        return new ClientPort(addresses, limits, tls, newAuth, calls);
    }

    public ClientPort withCallMetrics(GrpcCallMetrics newCalls) {
        return new ClientPort(addresses, limits, tls, auth, newCalls);
    }
}
