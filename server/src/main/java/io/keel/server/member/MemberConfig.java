package io.keel.server.member;

import io.keel.raft.ReadMode;

import io.keel.server.membership.PeerUrls;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
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
 * @param peerListen          where peers reach this member (TCP, or a Unix domain socket)
 * @param alsoListen          further addresses peers reach it at (etcd's --listen-peer-urls with several URLs)
 * @param initialPeerUrls     every initial member (this one included) and its peer URLs (etcd's --initial-cluster)
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
public record MemberConfig(long memberId, long clusterId, Path dataDir, SocketAddress peerListen,
                           List<SocketAddress> alsoListen, Map<Long, List<String>> initialPeerUrls,
                           boolean newCluster, Duration tickInterval,
                           Duration electionTimeout, Duration heartbeatInterval, ReadMode readMode,
                           int maxPendingProposals, int maxPendingReads, long snapshotEntries,
                           boolean joinExisting) {
    public MemberConfig(long memberId, long clusterId, Path dataDir, InetSocketAddress peerListen,
                        Map<Long, InetSocketAddress> initialCluster, boolean newCluster, Duration tickInterval,
                        Duration electionTimeout, Duration heartbeatInterval, ReadMode readMode,
                        int maxPendingProposals, int maxPendingReads, long snapshotEntries, boolean joinExisting) {
        this(memberId, clusterId, dataDir, peerListen, List.of(), urls(initialCluster), newCluster, tickInterval,
                electionTimeout, heartbeatInterval, readMode, maxPendingProposals, maxPendingReads, snapshotEntries,
                joinExisting);
    }

    public MemberConfig(long memberId, long clusterId, Path dataDir, InetSocketAddress peerListen,
                        Map<Long, InetSocketAddress> initialCluster, boolean newCluster, Duration tickInterval,
                        Duration electionTimeout, Duration heartbeatInterval, ReadMode readMode,
                        int maxPendingProposals, int maxPendingReads, long snapshotEntries) {
        this(memberId, clusterId, dataDir, peerListen, initialCluster, newCluster, tickInterval, electionTimeout,
                heartbeatInterval, readMode, maxPendingProposals, maxPendingReads, snapshotEntries, false);
    }

    /** One {@code http://host:port} peer URL per member, as an address map names them. */
    public static Map<Long, List<String>> urls(Map<Long, InetSocketAddress> addresses) {
        Map<Long, List<String>> urls = new LinkedHashMap<>();
        addresses.forEach((id, a) -> urls.put(id, List.of(PeerUrls.text(a))));
        return urls;
    }

    /** Every initial member's first TCP peer address (members reachable on Unix sockets only are left out). */
    public Map<Long, InetSocketAddress> initialCluster() {
        Map<Long, InetSocketAddress> out = new LinkedHashMap<>();
        initialPeerUrls.forEach((id, urls) -> PeerUrls.transportAddresses(urls).stream()
                .filter(a -> a instanceof InetSocketAddress).findFirst()
                .ifPresent(a -> out.put(id, (InetSocketAddress) a)));
        return out;
    }

    /** Every initial member's addresses for the transport, in the order of its peer URLs. */
    public Map<Long, List<SocketAddress>> initialAddresses() {
        Map<Long, List<SocketAddress>> out = new LinkedHashMap<>();
        initialPeerUrls.forEach((id, urls) -> out.put(id, PeerUrls.transportAddresses(urls)));
        return out;
    }

    public MemberConfig {
        if (joinExisting && newCluster) {
            throw new IllegalArgumentException("a member joins an existing cluster or starts a new one, not both");
        }
        if (memberId == 0) throw new IllegalArgumentException("member id 0 is reserved");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(peerListen, "peerListen");
        alsoListen = List.copyOf(alsoListen);
        Map<Long, List<String>> copy = new LinkedHashMap<>();
        initialPeerUrls.forEach((id, urls) -> {
            if (urls.isEmpty()) throw new IllegalArgumentException("member " + Long.toHexString(id) + " has no peer URL");
            copy.put(id, List.copyOf(urls));
        });
        initialPeerUrls = java.util.Collections.unmodifiableMap(copy);
        if (!initialPeerUrls.containsKey(memberId)) {
            throw new IllegalArgumentException("the initial cluster " + initialPeerUrls.keySet()
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
        return initialPeerUrls.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    }
}
