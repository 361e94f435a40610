package io.keel.server.ops;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.keel.server.etcd.proto.ClusterGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.MemberListRequest;
import io.keel.server.etcd.proto.MemberListResponse;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import io.keel.server.tls.MemberClientChannels;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Asks members about themselves over etcd's API on their client URLs (Maintenance.Status, Cluster.MemberList), the
 * way etcdctl endpoint status does, so it needs nothing but a member's client URL (and, for https:// ones, TLS
 * credentials). One channel per URL,
 * kept for the next question; calls fail fast (no wait for a connection), so a dead member costs one refused
 * connection, not a deadline.
 */
public final class StatusProbe implements AutoCloseable {
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final MemberClientChannels opener;

    public StatusProbe() {
        this(MemberClientChannels.of(null));
    }

    /** Asks https:// client URLs with these TLS credentials ({@link io.keel.server.tls.ProbeCredentials}). */
    public StatusProbe(ChannelCredentials tls) {
        this(MemberClientChannels.withCredentials(tls));
    }

    /** Opens its channels with {@code opener} (a member's: its own client-port certificate and CA). */
    public StatusProbe(MemberClientChannels opener) {
        this.opener = opener;
    }

    /** Status of the member serving {@code clientUrl}, or a failure within {@code deadline}. */
    public CompletableFuture<StatusResponse> status(String clientUrl, Duration deadline) {
        return call(clientUrl, ch -> MaintenanceGrpc.newFutureStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance()));
    }

    /** The members as the member serving {@code clientUrl} knows them. */
    public CompletableFuture<MemberListResponse> memberList(String clientUrl, Duration deadline) {
        return call(clientUrl, ch -> ClusterGrpc.newFutureStub(ch)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .memberList(MemberListRequest.getDefaultInstance()));
    }

    private <T> CompletableFuture<T> call(String clientUrl, java.util.function.Function<ManagedChannel,
            ListenableFuture<T>> rpc) {
        ManagedChannel ch;
        try {
            ch = channel(clientUrl);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        // After a failed connection gRPC waits up to two minutes before the next attempt; a member that came back
        // should show up at the next refresh, not minutes later.
        if (ch.getState(false) == ConnectivityState.TRANSIENT_FAILURE) ch.resetConnectBackoff();
        ListenableFuture<T> f = rpc.apply(ch);
        CompletableFuture<T> result = new CompletableFuture<>();
        f.addListener(() -> {
            try {
                result.complete(f.get());
            } catch (ExecutionException e) {
                result.completeExceptionally(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result.completeExceptionally(e);
            }
        }, Runnable::run);
        return result;
    }

    private ManagedChannel channel(String clientUrl) {
        return channels.computeIfAbsent(clientUrl, url -> opener.builder(url).build());
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel ch : channels.values()) {
            try {
                ch.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** gRPC's status line ("UNAVAILABLE: io exception"), or the exception's message, on one line. */
    public static String describe(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        return m.replace('\n', ' ');
    }
}
