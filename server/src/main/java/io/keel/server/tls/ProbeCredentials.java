package io.keel.server.tls;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How {@code keel status} talks to https:// client URLs: gRPC's TLS credentials with etcdctl's choices (--cacert,
 * --cert, --key, --insecure-skip-tls-verify). A member calling the others uses its own client-port settings instead
 * ({@link MemberClientChannels#of}).
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
}
