package io.keel.server.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This member's certificate and key, read from their files at every handshake (etcd reloads per handshake too), so
 * a certificate replaced on disk is presented to the next connection without a restart. Each content gets its own
 * alias, so one handshake never mixes the certificate of one version with the key of another.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);

    record Identity(List<X509Certificate> chain, PrivateKey key) {
        X509Certificate[] chainArray() {
            return chain.toArray(X509Certificate[]::new);
        }
    }

    private final WatchedFiles<Identity> files;
    private final String what;
    /** alias to identity; a handshake in progress may still ask for the alias of the previous content. */
    private final Map<String, Identity> byAlias = new ConcurrentHashMap<>();
    private volatile String lastRefusedChange;

    ReloadingKeyManager(String what, Path certFile, Path keyFile) {
        this.what = what;
        this.files = new WatchedFiles<>(List.of(certFile, keyFile),
                bytes -> identity(certFile, bytes[0], keyFile, bytes[1]));
        files.load();
        remember();
    }


    static Identity identity(Path certFile, byte[] certPem, Path keyFile, byte[] keyPem) {
        List<X509Certificate> chain = PemFiles.certificates(certFile, certPem);
        PrivateKey key = PemFiles.privateKey(keyFile, keyPem);
        if (!KeyPairs.match(chain.get(0).getPublicKey(), key)) {
            throw new IllegalArgumentException("the private key in " + keyFile + " does not belong to the"
                    + " certificate in " + certFile);
        }
        return new Identity(chain, key);
    }

    /** The alias of the files' current content. */
    private String currentAlias() {
        try {
            files.refresh();
            lastRefusedChange = null;
        } catch (RuntimeException e) {
            String reason = e.getMessage();
            if (!reason.equals(lastRefusedChange)) { // once per bad content, not once per handshake
                lastRefusedChange = reason;
                LOG.warn("{}: keeps the certificate it had: the new one is not usable: {}", what, reason);
            }
        }
        return remember();
    }

    private synchronized String remember() {
        String alias = "keel-" + files.generation();
        if (!byAlias.containsKey(alias)) {
            if (byAlias.size() > 4) byAlias.clear(); // handshakes take milliseconds; old aliases are long done
            byAlias.put(alias, files.current());
        }
        return alias;
    }

    private String aliasFor(String keyType) {
        String alias = currentAlias();
        Identity id = byAlias.get(alias);
        return id != null && KeyPairs.fits(id.key(), keyType) ? alias : null;
    }

    private String aliasForAny(String[] keyTypes) {
        if (keyTypes == null) return null;
        for (String t : keyTypes) {
            String a = aliasFor(t);
            if (a != null) return a;
        }
        return null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasForAny(keyTypes);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasForAny(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String a = aliasFor(keyType);
        return a == null ? null : new String[] {a};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return getServerAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Identity id = byAlias.get(alias);
        return id == null ? null : id.chainArray();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Identity id = byAlias.get(alias);
        return id == null ? null : id.key();
    }
}
