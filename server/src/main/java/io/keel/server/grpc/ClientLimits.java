package io.keel.server.grpc;

import java.time.Duration;

/**
 * What the client port allows each client, as etcd's flags set it: the largest request, the most operations in one
 * transaction, the most concurrent streams on one connection, and gRPC's keep-alive policy.
 *
 * @param maxRequestBytes      etcd's --max-request-bytes: a larger request is refused with etcd's
 *                             "etcdserver: request is too large"
 * @param maxTxnOps            etcd's --max-txn-ops: a transaction with more operations in one branch is refused
 * @param maxConcurrentStreams etcd's --max-concurrent-streams: concurrent calls per client connection (HTTP/2
 *                             streams); a client past it waits for a stream to end
 * @param keepAliveMinTime     etcd's --grpc-keepalive-min-time: a client pinging more often than this is told to go
 *                             away (GOAWAY "too_many_pings"), as gRPC servers protect themselves
 * @param keepAliveInterval    etcd's --grpc-keepalive-interval: how long a connection may be silent before the server
 *                             pings it (0 turns the pings off)
 * @param keepAliveTimeout     etcd's --grpc-keepalive-timeout: how long the server waits for a ping's answer before it
 *                             closes the connection
 */
public record ClientLimits(int maxRequestBytes, int maxTxnOps, int maxConcurrentStreams, Duration keepAliveMinTime,
                           Duration keepAliveInterval, Duration keepAliveTimeout) {
    /** etcd 3.4's defaults. */
    public static final ClientLimits ETCD_DEFAULTS = new ClientLimits(EtcdGrpcServer.DEFAULT_MAX_REQUEST_BYTES,
            EtcdGrpcServer.DEFAULT_MAX_TXN_OPS, Integer.MAX_VALUE, Duration.ofSeconds(5), Duration.ofHours(2),
            Duration.ofSeconds(20));

    public ClientLimits {
        if (maxRequestBytes < 1) throw new IllegalArgumentException("maxRequestBytes must be positive");
        if (maxTxnOps < 1) throw new IllegalArgumentException("maxTxnOps must be positive");
        if (maxConcurrentStreams < 1) throw new IllegalArgumentException("maxConcurrentStreams must be positive");
        if (keepAliveMinTime.isNegative() || keepAliveInterval.isNegative() || keepAliveTimeout.isNegative()) {
            throw new IllegalArgumentException("keep-alive durations cannot be negative");
        }
    }
}
