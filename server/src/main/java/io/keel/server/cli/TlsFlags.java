package io.keel.server.cli;

import io.keel.server.tls.TlsSettings;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * etcd's TLS flags for the client port and the peer port (a picocli mixin of {@link KeelCommand}; the config file
 * takes the same keys). TLS is on for a port when its listen URL is {@code https://}; the files are PEM.
 */
final class TlsFlags {
    @Option(names = "--cert-file", paramLabel = "<file>", description = "Client port TLS: this member's certificate"
            + " (PEM). Needs https:// client URLs.")
    Path certFile;

    @Option(names = "--key-file", paramLabel = "<file>", description = "Client port TLS: its private key (PEM).")
    Path keyFile;

    @Option(names = "--trusted-ca-file", paramLabel = "<file>", description = "Client port TLS: clients must present"
            + " a certificate signed by a CA in this file.")
    Path trustedCaFile;

    @Option(names = "--client-cert-auth", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Client port TLS: require a client certificate (signed by --trusted-ca-file).")
    boolean clientCertAuth;

    @Option(names = "--auto-tls", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Client port TLS with a self-signed certificate made in <data-dir>/fixtures/client, when"
                    + " --cert-file and --key-file are not given.")
    boolean autoTls;

    @Option(names = "--client-crl-file", paramLabel = "<file>", description = "Client port TLS: refuse client"
            + " certificates this revocation list (PEM) names.")
    Path clientCrlFile;

    @Option(names = "--cipher-suites", paramLabel = "<list>", description = "TLS 1.2 cipher suites for both ports,"
            + " comma-separated (etcd's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). Default: the TLS"
            + " engine's.")
    String cipherSuites;

    @Option(names = "--peer-cert-file", paramLabel = "<file>", description = "Peer TLS: this member's certificate"
            + " (PEM). Needs https:// peer URLs.")
    Path peerCertFile;

    @Option(names = "--peer-key-file", paramLabel = "<file>", description = "Peer TLS: its private key (PEM).")
    Path peerKeyFile;

    @Option(names = "--peer-trusted-ca-file", paramLabel = "<file>", description = "Peer TLS: the cluster's CA;"
            + " peers must present a certificate it signed.")
    Path peerTrustedCaFile;

    @Option(names = "--peer-client-cert-auth", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Peer TLS: require a certificate from connecting peers (signed by --peer-trusted-ca-file).")
    boolean peerClientCertAuth;

    @Option(names = "--peer-auto-tls", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Peer TLS with a self-signed certificate made in <data-dir>/fixtures/peer, when"
                    + " --peer-cert-file and --peer-key-file are not given (encrypts, does not authenticate).")
    boolean peerAutoTls;

    @Option(names = "--peer-crl-file", paramLabel = "<file>", description = "Peer TLS: refuse peer certificates this"
            + " revocation list (PEM) names.")
    Path peerCrlFile;

    @Option(names = "--peer-cert-allowed-cn", paramLabel = "<cn>", description = "Peer TLS: accept only peer"
            + " certificates with this common name.")
    String peerCertAllowedCn;

    @Option(names = "--peer-cert-allowed-hostname", paramLabel = "<name>", description = "Peer TLS: accept only peer"
            + " certificates valid for this host name or IP address (their subject alternative names, as Go checks"
            + " a server's); not with --peer-cert-allowed-cn.")
    String peerCertAllowedHostname;

    @Option(names = "--client-cert-allowed-hostname", paramLabel = "<name>", description = "Client port TLS: accept"
            + " only client certificates valid for this host name or IP address.")
    String clientCertAllowedHostname;

    /** The client port's TLS, or null for plain text; checked against the scheme of the client URL. */
    TlsSettings client(boolean https) {
        boolean any = certFile != null || keyFile != null || trustedCaFile != null || clientCertAuth || autoTls
                || clientCrlFile != null || !blank(clientCertAllowedHostname);
        if (!https) {
            if (any) {
                // etcd ignores TLS files on an http:// URL with a warning; refusing keeps a member meant to be
                // secured from serving plain text.
                throw LaunchException.usage("--cert-file/--key-file/--trusted-ca-file/--client-cert-auth/--auto-tls"
                        + "/--client-crl-file/--client-cert-allowed-hostname are for TLS: give https:// --listen-client-urls");
            }
            return null;
        }
        if (certFile == null && keyFile == null && !autoTls) {
            throw LaunchException.usage("--listen-client-urls https://... needs --cert-file and --key-file"
                    + " (or --auto-tls)");
        }
        return settings("--cert-file", "--key-file", "--trusted-ca-file", "--client-cert-auth", certFile, keyFile,
                trustedCaFile, clientCertAuth, autoTls, clientCrlFile, null, clientCertAllowedHostname);
    }

    /** The peer port's TLS, or null for plain text; checked against the scheme of the peer URLs. */
    TlsSettings peer(boolean https) {
        boolean any = peerCertFile != null || peerKeyFile != null || peerTrustedCaFile != null || peerClientCertAuth
                || peerAutoTls || peerCrlFile != null || peerCertAllowedCn != null || !blank(peerCertAllowedHostname);
        if (!https) {
            if (any) {
                throw LaunchException.usage("the --peer-* TLS flags need https:// peer URLs (--listen-peer-urls,"
                        + " --initial-advertise-peer-urls, --initial-cluster)");
            }
            return null;
        }
        if (peerCertFile == null && peerKeyFile == null && !peerAutoTls) {
            throw LaunchException.usage("https:// peer URLs need --peer-cert-file and --peer-key-file"
                    + " (or --peer-auto-tls)");
        }
        return settings("--peer-cert-file", "--peer-key-file", "--peer-trusted-ca-file", "--peer-client-cert-auth",
                peerCertFile, peerKeyFile, peerTrustedCaFile, peerClientCertAuth, peerAutoTls, peerCrlFile,
                peerCertAllowedCn, peerCertAllowedHostname);
    }

    private TlsSettings settings(String certFlag, String keyFlag, String caFlag, String authFlag, Path cert, Path key,
                                 Path ca, boolean auth, boolean auto, Path crl, String allowedCn,
                                 String allowedHostname) {
        if ((cert == null) != (key == null)) throw LaunchException.usage(certFlag + " and " + keyFlag + " go together");
        if (auth && ca == null) throw LaunchException.usage(authFlag + " needs " + caFlag);
        if ((crl != null || allowedCn != null) && ca == null) {
            throw LaunchException.usage("a revocation list or an allowed CN needs " + caFlag);
        }
        if (blank(allowedHostname)) allowedHostname = null; // etcd's default, an empty value, is no check
        if (allowedHostname != null && ca == null) {
            throw LaunchException.usage("an allowed host name needs " + caFlag);
        }
        if (!blank(allowedCn) && allowedHostname != null) {
            // etcd's words (pkg/transport/listener.go).
            throw LaunchException.usage("AllowedCN and AllowedHostname are mutually exclusive (cn=\"" + allowedCn
                    + "\", hostname=\"" + allowedHostname + "\")");
        }
        List<String> suites = cipherSuites == null ? List.of()
                : Arrays.stream(cipherSuites.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new TlsSettings(cert, key, ca, auth, auto && cert == null, crl, suites, allowedCn, allowedHostname);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
