package io.keel.server.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's HTTP/JSON gateway for one member: the services the client port serves, reachable again through an
 * in-process gRPC server (so a gateway call takes exactly the path, checks and interceptors of a gRPC call), and the
 * credentials that put the gateway on the client port beside gRPC.
 */
public final class Gateway implements AutoCloseable {
    private final Server inProcess;
    private final ManagedChannel channel;
    private final GatewayRoutes routes;
    private final int maxRequestBytes;
    private final StreamPermits streams;
    private final java.util.function.BooleanSupplier health;
    /** Plain GET paths served beside the API ({@link #serveGet}). */
    private final java.util.Map<String, java.util.function.Supplier<PlainAnswer>> gets =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Gateway(Server inProcess, ManagedChannel channel, GatewayRoutes routes, int maxRequestBytes,
                    int maxConcurrentStreams, java.util.function.BooleanSupplier health) {
        this.health = health;
        this.streams = new StreamPermits(maxConcurrentStreams);
        this.inProcess = inProcess;
        this.channel = channel;
        this.routes = routes;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Serves these (already intercepted) services in-process under {@code name}, which {@code channel} (owned from
     * now on, closed with the gateway) reaches, and to the gateway; requests past {@code maxRequestBytes} get 413, and
     * at most {@code maxConcurrentStreams} calls run at once (etcd's gateway shares one connection's streams);
     * {@code GET /health} answers from {@code health} (it may block up to a second; it runs off the event loop).
     */
    public static Gateway start(String name, ManagedChannel channel, List<ServerServiceDefinition> services,
                                java.util.concurrent.Executor executor, int maxRequestBytes,
                                int maxConcurrentStreams, java.util.function.BooleanSupplier health) {
        // The services' own executor: some handlers wait on the member, which must never hold a Netty event loop.
        InProcessServerBuilder b = InProcessServerBuilder.forName(name).executor(executor);
        List<ServiceDescriptor> descriptors = new ArrayList<>();
        for (ServerServiceDefinition s : services) {
            b.addService(s);
            descriptors.add(s.getServiceDescriptor());
        }
        Server server = b.build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("starting the HTTP gateway's in-process server " + name, e);
        }
        return new Gateway(server, channel, new GatewayRoutes(descriptors), maxRequestBytes, maxConcurrentStreams,
                health);
    }

    /**
     * Serves {@code GET path} with what {@code answer} gives (etcd's {@code /metrics} on the client port); it may
     * take its time: it runs off the connection's event loop.
     */
    public void serveGet(String path, java.util.function.Supplier<PlainAnswer> answer) {
        gets.put(path, answer);
    }

    /** {@code grpc}'s credentials, with HTTP/1.x connections handed to this gateway. */
    public ServerCredentials onClientPort(ServerCredentials grpc) {
        return ClientPortProtocols.withHttp1(grpc, this::install);
    }

    /** The client port's credentials over TLS with {@code tls}: gRPC, and HTTP/1.x connections to this gateway. */
    public ServerCredentials onTlsClientPort(io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls) {
        return ClientPortProtocols.overTls(tls, this::install);
    }

    private void install(ChannelHandlerContext ctx) {
        // etcd's limit on a request, with room for the JSON and base64 that inflate it by about a third.
        int maxBody = maxRequestBytes + maxRequestBytes / 2 + 64 * 1024;
        ctx.pipeline().addAfter(ctx.name(), "gateway-codec", new HttpServerCodec())
                .addAfter("gateway-codec", "gateway-aggregator", new HttpObjectAggregator(maxBody))
                .addAfter("gateway-aggregator", "gateway", new HttpGateway(channel, routes, streams, health, gets));
    }

    @Override
    public void close() {
        channel.shutdownNow();
        inProcess.shutdownNow();
        try {
            inProcess.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
