package io.keel.server.member;

import io.keel.raft.ReadMode;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one member needs to start.
 *
 * @param memberId            this member's id (never 0)
 * @param clusterId           derived from the initial-cluster token and members ({@link ClusterIdentity})
 * @param dataDir             holds {@code raft-log} and {@code store}
 * @param peerListen          where peers reach this member
 * @param initialCluster      every initial member (this one included) and its peer address
 * @param newCluster          true: bootstrap the data directory if it holds nothing yet; false: it must hold this
 *                            member's data (an empty one is refused, like etcd's initial-cluster-state=existing)
 * @param tickInterval        how often the raft thread calls tick
 * @param electionTimeout     Raft's minimum election timeout
 * @param heartbeatInterval   the leader's heartbeat (and read confirmation) interval
 * @param readMode            READ_INDEX (default) or LEASE for linearizable reads
 * @param maxPendingProposals proposals admitted but not yet answered; beyond, writes are refused (back-pressure)
 * @param maxPendingReads     linearizable reads admitted but not yet answered
 * @param snapshotEntries     the log is compacted once the applied index is this far past its first index
 * @param joinExisting        an empty data directory belongs to a member just added to a running cluster (etcd's
 *                            initial-cluster-state=existing for a new member): it is created with an empty log, and
 *                            the leader sends it everything (clusterId must then be the running cluster's)
 */
public record MemberConfig(long memberId, long clusterId, Path dataDir, InetSocketAddress peerListen,
                           Map<Long, InetSocketAddress> initialCluster, boolean newCluster, Duration tickInterval,
                           Duration electionTimeout, Duration heartbeatInterval, ReadMode readMode,
                           int maxPendingProposals, int maxPendingReads, long snapshotEntries,
                           boolean joinExisting) {
    public MemberConfig(long memberId, long clusterId, Path dataDir, InetSocketAddress peerListen,
                        Map<Long, InetSocketAddress> initialCluster, boolean newCluster, Duration tickInterval,
                        Duration electionTimeout, Duration heartbeatInterval, ReadMode readMode,
                        int maxPendingProposals, int maxPendingReads, long snapshotEntries) {
        this(memberId, clusterId, dataDir, peerListen, initialCluster, newCluster, tickInterval, electionTimeout,
                heartbeatInterval, readMode, maxPendingProposals, maxPendingReads, snapshotEntries, false);
    }

    public MemberConfig {
        if (joinExisting && newCluster) {
            throw new IllegalArgumentException("a member joins an existing cluster or starts a new one, not both");
        }
        if (memberId == 0) throw new IllegalArgumentException("member id 0 is reserved");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(peerListen, "peerListen");
        initialCluster = Map.copyOf(initialCluster);
        if (!initialCluster.containsKey(memberId)) {
            throw new IllegalArgumentException("the initial cluster " + initialCluster.keySet()
                    + " does not name this member " + memberId);
        }
        if (tickInterval.isZero() || tickInterval.isNegative() || tickInterval.compareTo(heartbeatInterval) > 0) {
            throw new IllegalArgumentException("need 0 < tickInterval <= heartbeatInterval");
        }
        if (maxPendingProposals < 1 || maxPendingReads < 1 || snapshotEntries < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public long[] voters() {
        return initialCluster.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    }
}
