package io.keel.server.gateway;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.inprocess.InProcessSocketAddress;

/**
 * The client certificate of an HTTP gateway request, carried into the gRPC call the gateway makes for it, so that
 * {@code --client-cert-auth} names the same user over HTTPS as over gRPC (the certificate's common name). The
 * gateway's calls are in-process: the name travels as metadata, which is believed only on an in-process call, never
 * on one that came over the network (anyone could send the header there).
 */
public final class GatewayCaller {
    static final Metadata.Key<String> CLIENT_CN = Metadata.Key.of("keel-gateway-client-cn",
            Metadata.ASCII_STRING_MARSHALLER);

    private GatewayCaller() {
    }

    /** The common name the gateway saw on the HTTP client's verified certificate, or null. */
    public static String commonName(ServerCall<?, ?> call, Metadata headers) {
        if (!(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) instanceof InProcessSocketAddress)) {
            return null;
        }
        String cn = headers.get(CLIENT_CN);
        return cn == null || cn.isEmpty() ? null : cn;
    }
}
