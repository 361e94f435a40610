package io.keel.server.tls;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.X509Certificate;

/** The subject common name (CN) of a certificate: what --peer-cert-allowed-cn compares, and etcd's user name. */
public final class CommonNames {
    private CommonNames() {
    }

    /** The first CN of the subject, or "" if it has none. */
    public static String of(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) return String.valueOf(rdn.getValue());
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }
}
