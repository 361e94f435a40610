package io.keel.server.tls;

import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextServerCredentials;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * TLS on the client port (etcd's --cert-file, --key-file, --trusted-ca-file, --client-cert-auth, --auto-tls,
 * --client-crl-file, --cipher-suites): the gRPC server's SSL context and the Netty threads it runs on. The same
 * context serves etcd's HTTP gateway on that port (ClientPortProtocols.overTls), so both get the same checks.
 *
 * <p>A refused handshake (plain text, no certificate where one is required, a certificate from another CA, a
 * revoked one) gets one warning line naming the client's address and the reason; the connection is closed and
 * everyone else is served as before. The TLS handler is built inside gRPC's negotiation (which logs a failure only
 * at its debug level), so the line comes from a handler that each accepted connection gets first: it finds the TLS
 * handler once the connection's first bytes arrive, listens to its handshake and leaves the pipeline.
 *
 * <p>The TLS engine is BoringSSL (netty-tcnative, shipped inside grpc-netty-shaded) where it loads, else the JDK's;
 * {@code -Dkeel.tls.provider=jdk|openssl} picks one (to measure). The established session stays reachable as
 * {@code Grpc.TRANSPORT_ATTR_SSL_SESSION} on every call.
 */
public final class ClientTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientTls.class);
    private static final RefusalLog REFUSALS = new RefusalLog(LOG);

    private final SslContext context;
    private final TlsSettings settings;
    /** Rechecks resumed sessions; null without a trusted CA (no client certificates). */
    private final ReloadingTrustManager trust;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final boolean epoll;

    private ClientTls(SslContext context, TlsSettings settings, ReloadingTrustManager trust) {
        this.context = context;
        this.settings = settings;
        this.trust = trust;
        this.epoll = Epoll.isAvailable();
        // gRPC's own default: one acceptor thread, and as many I/O threads as Netty's default for the machine.
        this.boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("keel-grpc-tls-boss", true))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("keel-grpc-tls-boss", true));
        this.workers = epoll ? new EpollEventLoopGroup(0, new DefaultThreadFactory("keel-grpc-tls", true))
                : new NioEventLoopGroup(0, new DefaultThreadFactory("keel-grpc-tls", true));
    }

    /**
     * @param autoTlsDir where {@code --auto-tls} keeps its self-signed certificate (etcd: data-dir/fixtures/client)
     * @param hosts      what an auto-TLS certificate is made for
     */
    public static ClientTls of(TlsSettings settings, Path autoTlsDir, List<String> hosts) {
        TlsMaterial m = TlsMaterial.of("client port", settings, autoTlsDir, hosts);
        SslProvider provider = provider();
        SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(m.keyManager()), provider)
                .applicationProtocolConfig(ALPN);
        if (m.trustManager() != null) b.trustManager(m.trustManager());
        b.clientAuth(m.requireCertificate() ? ClientAuth.REQUIRE : ClientAuth.NONE);
        if (!m.cipherSuites().isEmpty()) {
            b.ciphers(CipherSuites.javaNames(m.cipherSuites(), supportedCiphers(provider), "--cipher-suites"));
        }
        try {
            return new ClientTls(b.build(), settings, (ReloadingTrustManager) m.trustManager());
        } catch (SSLException e) {
            throw new IllegalArgumentException("client port TLS: " + e.getMessage(), e);
        }
    }

    /**
     * ALPN on the client port, which serves gRPC and etcd's HTTP/1.1 gateway: the server's preference decides, so
     * a client that offers both (curl, browsers) gets http/1.1, which the gateway serves, and a gRPC client, which
     * offers only h2, gets h2. A client without ALPN is served too: the first bytes tell (ClientPortProtocols).
     */
    private static final ApplicationProtocolConfig ALPN = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN, ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_1_1, ApplicationProtocolNames.HTTP_2);

    /** The TLS engine: OpenSSL (BoringSSL) when it loads, unless -Dkeel.tls.provider=jdk. */
    static SslProvider provider() {
        String asked = System.getProperty("keel.tls.provider", "");
        if (asked.equalsIgnoreCase("jdk")) return SslProvider.JDK;
        if (asked.equalsIgnoreCase("openssl") && !OpenSsl.isAvailable()) {
            throw new IllegalArgumentException("-Dkeel.tls.provider=openssl: OpenSSL does not load here: "
                    + OpenSsl.unavailabilityCause());
        }
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    private static Set<String> supportedCiphers(SslProvider provider) {
        if (provider == SslProvider.OPENSSL) return OpenSsl.availableJavaCipherSuites();
        try {
            return new HashSet<>(Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A gRPC server builder for {@code address} serving TLS with this context, gRPC only. */
    public NettyServerBuilder serverBuilder(InetSocketAddress address) {
        return serverBuilder(address, NettySslContextServerCredentials::create);
    }

    /**
     * A gRPC server builder for {@code address} serving TLS with this context through the credentials
     * {@code credentials} makes of it (the client port's: gRPC and the HTTP gateway, {@code Gateway#onTlsClientPort}).
     */
    public NettyServerBuilder serverBuilder(InetSocketAddress address,
                                            java.util.function.Function<SslContext, ServerCredentials> credentials) {
        ChannelHandler observer = new AcceptedConnections(trust);
        return NettyServerBuilder.forAddress(address, credentials.apply(context))
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .channelFactory(() -> {
                    ServerChannel ch = epoll ? new EpollServerSocketChannel() : new NioServerSocketChannel();
                    ch.pipeline().addLast(observer); // before the acceptor that Netty adds at bind
                    return ch;
                });
    }

    /** How this member calls the other members' client URLs: with these settings' certificate and CA. */
    public MemberClientChannels memberChannels() {
        return MemberClientChannels.of(settings);
    }

    /** Which engine serves the handshakes, for the start-up line. */
    public String engine() {
        return context.getClass().getSimpleName().contains("OpenSsl") ? "OpenSSL (BoringSSL)" : "JDK";
    }

    /** Stops the threads; call after the gRPC server has terminated. */
    @Override
    public void close() {
        var bossDone = boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        var workersDone = workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        // Waited for: a JVM that halts while these threads still sit in epoll_wait waits 300 ms longer (issue 14).
        bossDone.awaitUninterruptibly(2_000);
        workersDone.awaitUninterruptibly(2_000);
    }

    /** Sees each accepted connection on its way to gRPC and puts the handshake watcher first in its pipeline. */
    @ChannelHandler.Sharable
    private static final class AcceptedConnections extends ChannelInboundHandlerAdapter {
        private final ReloadingTrustManager trust;

        AcceptedConnections(ReloadingTrustManager trust) {
            this.trust = trust;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child) {
                child.pipeline().addFirst("keel-tls-refusals", new HandshakeWatcher(trust));
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Logs a refused handshake of one connection, then leaves. A handshake that resumed an earlier session skipped
     * the certificate checks: its certificate is checked again against the revocation list and allowed CN now, and
     * the connection closed if it no longer passes.
     */
    private static final class HandshakeWatcher extends ChannelInboundHandlerAdapter {
        private final ReloadingTrustManager trust;

        HandshakeWatcher(ReloadingTrustManager trust) {
            this.trust = trust;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (tls != null) {
                Channel channel = ctx.channel();
                Object remote = channel.remoteAddress();
                tls.handshakeFuture().addListener(f -> {
                    if (!f.isSuccess()) {
                        if (TlsRefusals.isRefusal(f.cause())) REFUSALS.refused(remote, TlsRefusals.describe(f.cause()));
                    } else if (trust != null) {
                        recheck(tls, channel, remote);
                    }
                });
                ctx.pipeline().remove(this);
            }
            ctx.fireChannelRead(msg);
        }

        private void recheck(SslHandler tls, Channel channel, Object remote) {
            java.security.cert.Certificate[] peer;
            try {
                peer = tls.engine().getSession().getPeerCertificates();
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                return; // no client certificate asked for
            }
            java.security.cert.X509Certificate[] chain = java.util.Arrays.stream(peer)
                    .map(c -> (java.security.cert.X509Certificate) c)
                    .toArray(java.security.cert.X509Certificate[]::new);
            try {
                trust.recheck(chain);
            } catch (java.security.cert.CertificateException e) {
                REFUSALS.refused(remote, e.getMessage() + " (a resumed TLS session)");
                channel.close();
            }
        }
    }
}
