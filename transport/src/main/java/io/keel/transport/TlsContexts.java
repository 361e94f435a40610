package io.keel.transport;

import io.netty.handler.ssl.SslContext;

import javax.net.ssl.SSLException;

/**
 * Where the transport gets its TLS from: one context for connections peers open to this member, one for the
 * connections it opens. {@link TlsConfig} is the fixed mutual-TLS form; a launcher may supply contexts whose key and
 * trust managers reload their files or check more than the CA (revocation lists, an allowed common name).
 */
public interface TlsContexts {
    /** For accepted connections: presents this member's certificate and checks the peer's. */
    SslContext serverContext() throws SSLException;

    /** For dialled connections: presents this member's certificate and checks the dialled member's. */
    SslContext clientContext() throws SSLException;
}
