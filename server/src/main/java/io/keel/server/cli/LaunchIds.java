package io.keel.server.cli;

import io.keel.server.membership.EtcdIds;
import io.keel.storage.log.MemberIdentity;
import io.keel.storage.log.WrongDataDirectoryException;

import java.util.List;
import java.util.function.Function;

/**
 * The ids the launcher gives the initial members. New clusters get etcd's ({@link EtcdIds}: from each member's peer
 * URLs and the cluster token), so the same flags give the same ids on etcd and Keel. A data directory made before
 * (by a launcher that derived a member's id from its name, {@link MemberIds}) keeps its ids: the id of a running
 * cluster's member never changes.
 *
 * <p>Which of the two a data directory holds is learnt from the member's own opening of its log, not by opening the
 * log beforehand (issue 14: that second open of the log's RocksDB was on every start's path): the launcher starts
 * with etcd's ids ({@link #etcds}), and a start refused because the directory is this member's under its
 * name-derived id is started again with the ids the directory recorded ({@link #startOnItsData}). Only such an old
 * directory has its log opened twice.
 */
final class LaunchIds {
    private final String token;
    /** The identity the data directory recorded, when it was made with name-derived ids; else null. */
    private final MemberIdentity stored;

    private LaunchIds(MemberIdentity stored, String token) {
        this.stored = stored;
        this.token = token;
    }

    /** etcd's ids: those of a new data directory, and those assumed first for an existing one. */
    static LaunchIds etcds(String token) {
        return new LaunchIds(null, token);
    }

    /** The name-derived ids of a data directory that recorded {@code stored} (made before etcd's ids). */
    static LaunchIds recorded(MemberIdentity stored, String token) {
        return new LaunchIds(stored, token);
    }

    /**
     * The id of the cluster an initial member bootstraps or belongs to: etcd's, from the members' ids; for a data
     * directory made with name-derived ids, the cluster id it recorded (that derivation also hashed the token, whose
     * default has since become etcd's).
     */
    long clusterId(java.util.Collection<Long> initialMemberIds) {
        return byName() ? stored.clusterId() : io.keel.server.member.ClusterIdentity.etcd(initialMemberIds);
    }

    /** An initial member's id. */
    long of(String name, List<String> peerUrls) {
        if (byName()) return MemberIds.fromName(name);
        long id = EtcdIds.initialMember(peerUrls, token);
        return id == 0 ? 1 : id; // 0 means "none" to Raft and storage
    }

    /** Whether these are the ids of a cluster made before etcd's ids. */
    boolean byName() {
        return stored != null;
    }

    /**
     * Starts the member with {@code s} (etcd's ids); if its data directory refused them because it is {@code s}'s
     * member's under its name-derived id, starts it again with {@code withRecordedIds} of what the directory
     * recorded. Any other refusal is thrown as it came.
     */
    static <T> T startOnItsData(MemberSettings s, Function<MemberSettings, T> start,
                                Function<MemberIdentity, MemberSettings> withRecordedIds) {
        try {
            return start.apply(s);
        } catch (RuntimeException refused) {
            MemberIdentity recorded = nameDerivedIdentity(refused, s.name());
            if (recorded == null || s.id() == recorded.memberId()) throw refused;
            return start.apply(withRecordedIds.apply(recorded));
        }
    }

    /**
     * The identity a refused start found in the data directory when it is {@code name}'s under its name-derived id;
     * else null.
     */
    static MemberIdentity nameDerivedIdentity(Throwable refusal, String name) {
        for (Throwable c = refusal; c != null; c = c.getCause()) {
            if (c instanceof WrongDataDirectoryException wrong && wrong.found() != null) {
                return wrong.found().memberId() == MemberIds.fromName(name) ? wrong.found() : null;
            }
        }
        return null;
    }
}
