package io.keel.storage.log;

import java.nio.file.Path;

/**
 * Keel data was expected and there is none. A member that lost its data must not come back under its old identity:
 * it would vote and count toward a quorum while having forgotten the entries and votes it promised (fault 15, etcd
 * #12227). The operator removes it and adds it back as a new member, which starts with
 * {@link RocksLogStorage#create}.
 */
public final class NoKeelDataException extends RuntimeException {
    NoKeelDataException(Path dir, String detail) {
        super("no Keel data in " + dir + " (" + detail + "): refusing to start as a fresh member under an existing"
                + " identity; if this member's data is lost, remove it from the cluster and add it back as a new"
                + " member with an empty data directory");
    }
}
