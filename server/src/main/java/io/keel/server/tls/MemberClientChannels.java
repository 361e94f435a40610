package io.keel.server.tls;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.net.URI;

/**
 * The one way Keel opens a gRPC channel to a member's client URL ({@code http://host:port} or
 * {@code https://host:port}): a member forwarding a membership change to the leader, the corruption check asking for
 * hashes, {@code --rejoin-via}, the cluster page's survey, {@code keel status}. For https URLs a member uses its own
 * client-port settings (etcd's certificates serve as both server and client ones): it presents its certificate and
 * trusts its {@code --trusted-ca-file} (the JDK's CAs without one); with {@code --auto-tls} it presents none and
 * checks none, as etcd does for its self-signed certificates (nobody can check them).
 */
public final class MemberClientChannels {
    /** For https URLs. */
    private final ChannelCredentials tls;

    private MemberClientChannels(ChannelCredentials tls) {
        this.tls = tls;
    }

    /** A member with these client-port settings; null: a plain-text member (https URLs: the JDK's CAs, no cert). */
    public static MemberClientChannels of(TlsSettings clientTls) {
        if (clientTls == null) return new MemberClientChannels(TlsChannelCredentials.create());
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        if (clientTls.certFile() == null) { // --auto-tls: a self-signed certificate nobody else trusts
            return new MemberClientChannels(b.trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers())
                    .build());
        }
        b.keyManager(new ReloadingKeyManager("member-to-member client", clientTls.certFile(), clientTls.keyFile()));
        if (clientTls.trustedCaFile() != null) {
            b.trustManager(new ReloadingTrustManager("member-to-member client", clientTls.trustedCaFile(),
                    clientTls.crlFile(), null));
        }
        return new MemberClientChannels(b.build());
    }

    /** With these credentials for https URLs (etcdctl's TLS flags: {@link ProbeCredentials#of}). */
    public static MemberClientChannels withCredentials(ChannelCredentials tls) {
        return new MemberClientChannels(tls != null ? tls : TlsChannelCredentials.create());
    }

    /**
     * A builder for a channel to {@code clientUrl}; the caller builds and shuts the channel down.
     *
     * @throws IllegalArgumentException if it is not an {@code http(s)://host:port} URL
     */
    public ManagedChannelBuilder<?> builder(String clientUrl) {
        URI u;
        try {
            u = URI.create(clientUrl.trim());
        } catch (IllegalArgumentException e) {
            throw notAClientUrl(clientUrl);
        }
        if (u.getHost() == null || u.getPort() < 0) throw notAClientUrl(clientUrl);
        if ("https".equals(u.getScheme())) return Grpc.newChannelBuilderForAddress(u.getHost(), u.getPort(), tls);
        if ("http".equals(u.getScheme())) {
            return Grpc.newChannelBuilderForAddress(u.getHost(), u.getPort(), InsecureChannelCredentials.create());
        }
        throw notAClientUrl(clientUrl);
    }

    /** Whether {@link #builder} takes this URL. */
    public static boolean isClientUrl(String url) {
        try {
            URI u = URI.create(url.trim());
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null
                    && u.getPort() >= 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static IllegalArgumentException notAClientUrl(String url) {
        return new IllegalArgumentException("not a client URL (http(s)://host:port): " + url);
    }
}
