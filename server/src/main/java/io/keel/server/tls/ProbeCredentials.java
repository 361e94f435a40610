package io.keel.server.tls;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * How Keel's own gRPC clients (the cluster page's survey of the other members, {@code keel status}) talk to
 * https:// client URLs: gRPC's TLS credentials with etcdctl's choices (--cacert, --cert, --key,
 * --insecure-skip-tls-verify), or, inside a member, with the member's own client-port certificate and CA.
 */
public final class ProbeCredentials {
    private ProbeCredentials() {
    }

    /**
     * etcdctl's TLS flags; any may be null.
     *
     * @param insecure do not check the server's certificate (etcdctl's --insecure-skip-tls-verify)
     */
    public static ChannelCredentials of(Path cacert, Path cert, Path key, boolean insecure) {
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        try {
            if (cert != null || key != null) {
                if (cert == null || key == null) throw new IllegalArgumentException("--cert and --key go together");
                b.keyManager(new ReloadingKeyManager("client", cert, key));
            }
            if (insecure) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers());
            } else if (cacert != null) {
                b.trustManager(cacert.toFile());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--cacert " + cacert + ": " + e.getMessage(), e);
        }
        return b.build();
    }

    /**
     * A member asking the other members: it presents its own client-port certificate (etcd's certificates serve as
     * both) and trusts its --trusted-ca-file; with auto TLS it cannot check theirs.
     */
    public static ChannelCredentials forMember(TlsSettings clientTls, Path autoTlsDir, List<String> hosts) {
        TlsMaterial m = TlsMaterial.of("cluster survey", clientTls, autoTlsDir, hosts);
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().keyManager(m.keyManager());
        if (m.trustManager() != null) {
            b.trustManager(m.trustManager());
        } else if (m.autoTls()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers());
        }
        return b.build();
    }
}
