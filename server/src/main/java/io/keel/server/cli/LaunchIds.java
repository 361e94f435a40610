package io.keel.server.cli;

import io.keel.server.membership.EtcdIds;
import io.keel.storage.log.MemberIdentity;
import io.keel.storage.log.RocksLogStorage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The ids the launcher gives the initial members. New clusters get etcd's ({@link EtcdIds}: from each member's peer
 * URLs and the cluster token), so the same flags give the same ids on etcd and Keel. A data directory made before
 * (by a launcher that derived a member's id from its name, {@link MemberIds}) keeps its ids: the id of a running
 * cluster's member never changes.
 */
final class LaunchIds {
    private final boolean byName;
    private final String token;
    /** The identity the data directory recorded, when it was made with name-derived ids; else null. */
    private final MemberIdentity stored;

    private LaunchIds(MemberIdentity stored, String token) {
        this.byName = stored != null;
        this.stored = stored;
        this.token = token;
    }

    /**
     * Name-derived ids when {@code dataDir} holds data recorded under the name-derived id of {@code name} (a member
     * of a cluster made before etcd's ids); etcd's otherwise.
     */
    static LaunchIds forMember(Path dataDir, String name, String token) {
        return new LaunchIds(madeWithNameIds(dataDir, name), token);
    }

    /**
     * The id of the cluster an initial member bootstraps or belongs to: etcd's, from the members' ids; for a data
     * directory made with name-derived ids, the cluster id it recorded (that derivation also hashed the token, whose
     * default has since become etcd's).
     */
    long clusterId(java.util.Collection<Long> initialMemberIds) {
        return byName ? stored.clusterId() : io.keel.server.member.ClusterIdentity.etcd(initialMemberIds);
    }

    /** An initial member's id. */
    long of(String name, List<String> peerUrls) {
        if (byName) return MemberIds.fromName(name);
        long id = EtcdIds.initialMember(peerUrls, token);
        return id == 0 ? 1 : id; // 0 means "none" to Raft and storage
    }

    /** Whether these are the ids of a cluster made before etcd's ids. */
    boolean byName() {
        return byName;
    }

    /** The identity {@code dataDir} recorded if it is {@code name}'s under its name-derived id; else null. */
    private static MemberIdentity madeWithNameIds(Path dataDir, String name) {
        Path log = dataDir.resolve("raft-log");
        if (!Files.isDirectory(log)) return null;
        try (Stream<Path> entries = Files.list(log)) {
            if (entries.findAny().isEmpty()) return null;
            MemberIdentity stored = RocksLogStorage.identityOf(log);
            return stored.memberId() == MemberIds.fromName(name) ? stored : null;
        } catch (Exception e) {
            // Unreadable here (locked by a running member, damaged): the member's own start reports why.
            return null;
        }
    }
}
