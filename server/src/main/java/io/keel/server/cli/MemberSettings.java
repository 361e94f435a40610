package io.keel.server.cli;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One member's launch settings, checked: everything {@link RunningMember} needs, with member ids derived from the
 * names ({@link MemberIds}).
 *
 * @param initialCluster member id to peer address, for every initial member
 * @param names          member id to name, for messages
 * @param metricsListen  the ops port's address, or null when --listen-metrics-urls is not given
 * @param joinClusterId  the running cluster this member joins as a member added at runtime (--member-id and
 *                       --cluster-id), or 0 for an initial member
 * @param leaseCheckpointInterval  etcd's lease checkpoint interval (--experimental-lease-checkpoint-interval)
 * @param snapshotEntries  applied entries between snapshots (--snapshot-count)
 * @param clientLimits     what the client port allows each client (--max-request-bytes, --max-txn-ops, ...)
 * @param watchProgressInterval  how often idle watches that asked for progress get one
 * @param notices          one line per etcd flag given that has no meaning for Keel, to print at start
 * @param space          the space quota, auto-compaction and corruption check (issue 14)
 * @param clientTls      TLS on the client port ({@link TlsFlags}), or null for plain text
 * @param peerTls        TLS between members, or null for plain text
 * @param strictReconfigCheck  etcd's --strict-reconfig-check
 * @param rejoinVia  --rejoin-via: client URLs of running members through which this member, its data gone, comes
 *                   back as a new member ({@link Rejoin}); null without it
 * @param authTokens     the tokens Authenticate hands out (--auth-token, --auth-token-ttl)
 * @param urls           every URL of the URL flags (several per flag, unix:// peers) and the new cluster's id;
 *                       clientListen, peerListen, peerAdvertise and initialCluster are the first TCP address of each
 *                       (null when there is none)
 */
record MemberSettings(String name, long id, Path dataDir, InetSocketAddress clientListen, String advertiseClientUrls,
                      InetSocketAddress peerListen, InetSocketAddress peerAdvertise,
                      Map<Long, InetSocketAddress> initialCluster, Map<Long, String> names, boolean newCluster,
                      String clusterToken, InetSocketAddress metricsListen, Duration heartbeatInterval,
                      Duration electionTimeout, long joinClusterId, Duration leaseCheckpointInterval,
                      long snapshotEntries, io.keel.server.grpc.ClientLimits clientLimits,
                      Duration watchProgressInterval, java.util.List<String> notices,
                      SpaceSettings space, io.keel.server.tls.TlsSettings clientTls,
                      io.keel.server.tls.TlsSettings peerTls, boolean strictReconfigCheck, String rejoinVia,
                      io.keel.server.auth.TokenSettings authTokens, UrlSettings urls) {

    /**
     * Checks the flags' values as given (strings, as on the command line) and derives the rest, with etcd's ids
     * ({@link LaunchIds}: whether the data directory holds older, name-derived ones is learnt when the member opens
     * it).
     */
    static MemberSettings of(KeelCommand f) {
        return of(f, null);
    }

    /**
     * As {@link #of(KeelCommand)}; with {@code recordedNameIds}, the name-derived ids of a data directory made before
     * etcd's ids, which recorded that identity.
     */
    static MemberSettings of(KeelCommand f, io.keel.storage.log.MemberIdentity recordedNameIds) {
        String name = f.name.trim();
        if (name.isEmpty() || name.contains("=") || name.contains(",")) {
            throw LaunchException.usage("--name '" + f.name + "': a member needs a non-empty name without '=' or ','");
        }
        Path dataDir = Path.of(f.dataDir != null ? f.dataDir : name + ".keel");
        List<String> clientUrls = Urls.list("--listen-client-urls", f.listenClientUrls);
        List<InetSocketAddress> clients = new ArrayList<>();
        for (String url : clientUrls) {
            if (!(Urls.socketAddress("--listen-client-urls", url) instanceof InetSocketAddress a)) {
                throw LaunchException.usage("--listen-client-urls '" + url + "': Keel serves clients on TCP only"
                        + " (http:// or https://); unix:// client URLs are not supported yet");
            }
            clients.add(a);
        }
        InetSocketAddress client = clients.get(0);
        List<SocketAddress> peers = Urls.socketAddresses("--listen-peer-urls",
                Urls.list("--listen-peer-urls", f.listenPeerUrls));
        InetSocketAddress peer = Urls.firstInet(peers);
        List<String> advertisedPeerUrls = Urls.list("--initial-advertise-peer-urls", f.initialAdvertisePeerUrls);
        InetSocketAddress peerAdvertise = Urls.firstInet(Urls.socketAddresses("--initial-advertise-peer-urls",
                advertisedPeerUrls));
        for (String url : f.advertiseClientUrls.split(",")) Urls.address("--advertise-client-urls", url.trim());
        InetSocketAddress metrics = f.listenMetricsUrls == null || f.listenMetricsUrls.isBlank() ? null
                : Urls.single("--listen-metrics-urls", f.listenMetricsUrls);

        String clusterText = f.initialCluster != null ? f.initialCluster : name + "=" + f.initialAdvertisePeerUrls;
        Map<String, List<String>> byName = Urls.initialClusterUrls(clusterText);
        List<String> own = byName.get(name);
        if (own == null) {
            throw LaunchException.usage("--initial-cluster " + byName.keySet() + " does not name this member"
                    + " (--name " + name + ")");
        }
        if (!sameUrls(own, advertisedPeerUrls)) {
            throw LaunchException.usage("--initial-cluster gives " + name + " the peer URL " + String.join(",", own)
                    + " but --initial-advertise-peer-urls is " + String.join(",", advertisedPeerUrls)
                    + ": they must match");
        }
        if (f.initialClusterToken.isBlank()) throw LaunchException.usage("--initial-cluster-token is empty");
        LaunchIds ids = recordedNameIds == null ? LaunchIds.etcds(f.initialClusterToken)
                : LaunchIds.recorded(recordedNameIds, f.initialClusterToken);
        long ownId = f.memberId == null ? ids.of(name, own) : hexId("--member-id", f.memberId);
        long joinClusterId = 0;
        if (f.memberId != null) {
            if (!"existing".equals(f.initialClusterState) || f.clusterId == null) {
                throw LaunchException.usage("--member-id is for joining a running cluster: it needs"
                        + " --initial-cluster-state existing and --cluster-id");
            }
            joinClusterId = hexId("--cluster-id", f.clusterId);
        } else if (f.clusterId != null) {
            throw LaunchException.usage("--cluster-id needs --member-id (joining a running cluster)");
        }
        Map<Long, InetSocketAddress> cluster = new LinkedHashMap<>();
        Map<Long, List<String>> clusterUrls = new LinkedHashMap<>();
        Map<Long, String> names = new LinkedHashMap<>();
        byName.forEach((n, urls) -> {
            // Initial members' ids derive from their peer URLs (etcd's rule); a member added at runtime got its id
            // from MemberAdd.
            long id = n.equals(name) ? ownId : ids.of(n, urls);
            String clash = names.putIfAbsent(id, n);
            if (clash != null) {
                throw LaunchException.usage("members '" + clash + "' and '" + n + "' derive the same id "
                        + Long.toHexString(id) + ": give them different peer URLs");
            }
            clusterUrls.put(id, urls);
            InetSocketAddress first = Urls.firstInet(Urls.socketAddresses("--initial-cluster", urls));
            if (first != null) cluster.put(id, first);
        });
        if (f.memberId != null && !ids.byName()) {
            // A member joining a running cluster cannot tell whether its peers got etcd's ids or, in a cluster made
            // before them, their names' (LaunchIds): it knows them under both, and once the member directory
            // arrives from the leader the peers it does not list are dropped (PeerSync).
            byName.forEach((n, urls) -> {
                long old = MemberIds.fromName(n);
                if (n.equals(name) || clusterUrls.containsKey(old)) return;
                clusterUrls.put(old, urls);
                names.put(old, n);
            });
        }
        long newClusterId = ids.clusterId(clusterUrls.keySet());
        UrlSettings urlSettings = new UrlSettings(peers, clients, advertisedPeerUrls, clusterUrls, newClusterId);

        boolean newCluster = switch (f.initialClusterState) {
            case "new" -> true;
            case "existing" -> false;
            default -> throw LaunchException.usage("--initial-cluster-state '" + f.initialClusterState
                    + "': expected new or existing");
        };
        if (f.heartbeatIntervalMs < 10) {
            throw LaunchException.usage("--heartbeat-interval " + f.heartbeatIntervalMs + ": at least 10 ms");
        }
        if (f.electionTimeoutMs < 5L * f.heartbeatIntervalMs) {
            // etcd's rule: a follower must miss several heartbeats before it starts an election.
            throw LaunchException.usage("--election-timeout " + f.electionTimeoutMs + " ms must be at least 5 times"
                    + " --heartbeat-interval " + f.heartbeatIntervalMs + " ms");
        }
        if (f.electionTimeoutMs > 50_000) {
            throw LaunchException.usage("--election-timeout " + f.electionTimeoutMs + " ms: at most 50000 ms");
        }
        if (Boolean.FALSE.equals(f.enableLeaseCheckpoint)) {
            throw LaunchException.usage("--experimental-enable-lease-checkpoint=false: Keel always checkpoints"
                    + " leases (set --experimental-lease-checkpoint-interval instead)");
        }
        Duration checkpoints = goDuration("--experimental-lease-checkpoint-interval", f.leaseCheckpointInterval);
        if (metrics != null && Urls.https("--listen-metrics-urls", f.listenMetricsUrls)) {
            throw LaunchException.usage("--listen-metrics-urls: the ops port serves plain http:// only");
        }
        boolean clientHttps = Urls.https("--listen-client-urls", f.listenClientUrls);
        boolean peerHttps = Urls.https("--listen-peer-urls", f.listenPeerUrls);
        if (Urls.https("--initial-advertise-peer-urls", f.initialAdvertisePeerUrls) != peerHttps
                || Urls.https("--initial-cluster", clusterText) != peerHttps) {
            throw LaunchException.usage("--listen-peer-urls, --initial-advertise-peer-urls and --initial-cluster must"
                    + " all be http:// or all https://");
        }
        return new MemberSettings(name, ownId, dataDir, client, f.advertiseClientUrls, peer,
                peerAdvertise, cluster, names, newCluster, f.initialClusterToken, metrics,
                Duration.ofMillis(f.heartbeatIntervalMs), Duration.ofMillis(f.electionTimeoutMs), joinClusterId,
                checkpoints, f.serving.snapshotEntries(), f.serving.clientLimits(), f.serving.watchProgressInterval(),
                f.etcdOnly.check(), SpaceSettings.of(f),
                f.tls.client(clientHttps), f.tls.peer(peerHttps), f.strictReconfigCheck, f.rejoinVia,
                authTokens(f), urlSettings);
    }

    /** The same URLs, in any order (etcd compares --initial-cluster's with --initial-advertise-peer-urls so). */
    private static boolean sameUrls(List<String> a, List<String> b) {
        return new java.util.TreeSet<>(a).equals(new java.util.TreeSet<>(b));
    }

    private static io.keel.server.auth.TokenSettings authTokens(KeelCommand f) {
        if (f.authTokenTtlSeconds <= 0) {
            throw LaunchException.usage("--auth-token-ttl " + f.authTokenTtlSeconds + ": must be positive");
        }
        try {
            return io.keel.server.auth.TokenSettings.parse(f.authToken, Duration.ofSeconds(f.authTokenTtlSeconds))
                    .checked();
        } catch (IllegalArgumentException e) {
            throw LaunchException.usage("--auth-token: " + e.getMessage());
        }
    }

    private static final java.util.regex.Pattern GO_DURATION_PART =
            java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    /** A positive Go duration as etcd's duration flags take it: 300s, 5m, 1m30s, 1.5h, 500ms. */
    static Duration goDuration(String flag, String text) {
        String t = text.trim();
        java.util.regex.Matcher m = GO_DURATION_PART.matcher(t);
        double nanos = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            nanos += n * switch (m.group(2)) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            end = m.end();
        }
        if (t.isEmpty() || end != t.length() || nanos < 1e6) {
            throw LaunchException.usage(flag + " '" + text + "': expected a positive duration such as 300s, 5m or"
                    + " 1m30s");
        }
        return Duration.ofNanos((long) nanos);
    }

    private static long hexId(String flag, String text) {
        try {
            long id = Long.parseUnsignedLong(text.trim(), 16);
            if (id == 0) throw LaunchException.usage(flag + " 0: ids are never 0");
            return id;
        } catch (NumberFormatException e) {
            throw LaunchException.usage(flag + " '" + text + "': expected a hexadecimal id");
        }
    }
}
