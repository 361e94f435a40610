package io.keel.server.ops;

import io.keel.raft.Role;
import io.keel.server.Keel;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * etcd 3.4's metric names for what Keel measures with the same meaning, registered beside Keel's own, so that etcd's
 * published Grafana dashboard and alerting rules read a Keel member unchanged. Only series whose meaning is etcd's
 * are here (etcd's buckets and labels included); what Keel does not measure the same way has no etcd name.
 */
final class EtcdNamedMetrics {
    /** The etcd version Keel answers as (the API it serves), for etcd_server_version and etcd_cluster_version. */
    static final String ETCD_VERSION = "3.4.23";
    /** As etcd labels it: major.minor only (version.Cluster). */
    static final String ETCD_CLUSTER_VERSION = "3.4";
    /** etcd's buckets for its disk durations: 1 ms .. ~8 s, doubling. */
    private static final double[] DISK_BUCKETS = exponential(0.001, 2, 14);
    /** etcd's buckets for peer round trips: 0.1 ms .. ~0.8 s, doubling. */
    private static final double[] RTT_BUCKETS = exponential(0.0001, 2, 14);

    private final Counter leaderChanges;
    private final Counter proposalsFailed;
    private final Histogram walFsync;
    private final Histogram backendCommit;
    private final Histogram peerRoundTrip;
    private final Counter slowApplies;
    private final Counter heartbeatSendFailures;
    /** etcd's warnApplyDuration: an apply slower than this is counted as slow. */
    private static final double SLOW_APPLY_SECONDS = 0.1;

    EtcdNamedMetrics(PrometheusRegistry registry, Supplier<Keel> member) {
        gauge(registry, member, "etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
                k -> k.leaderId() == 0 ? 0 : 1);
        gauge(registry, member, "etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0"
                + " otherwise.", k -> k.state().role() == Role.LEADER ? 1 : 0);
        leaderChanges = Counter.builder().name("etcd_server_leader_changes_seen_total")
                .help("The number of leader changes seen.").register(registry);
        gauge(registry, member, "etcd_server_proposals_committed_total", "The total number of consensus proposals"
                + " committed.", Keel::commitIndex);
        gauge(registry, member, "etcd_server_proposals_applied_total", "The total number of consensus proposals"
                + " applied.", Keel::appliedIndex);
        gauge(registry, member, "etcd_server_proposals_pending", "The current number of pending proposals to"
                + " commit.", Keel::pendingProposals);
        proposalsFailed = Counter.builder().name("etcd_server_proposals_failed_total")
                .help("The total number of failed proposals seen.").register(registry);
        GaugeWithCallback.builder().name("etcd_server_version").help("Which version is running. 1 for"
                + " 'server_version' label with current version.").labelNames("server_version")
                .callback(cb -> cb.call(1, ETCD_VERSION)).register(registry);
        GaugeWithCallback.builder().name("etcd_cluster_version").help("Which version is running. 1 for"
                + " 'cluster_version' label with current cluster version").labelNames("cluster_version")
                .callback(cb -> cb.call(1, ETCD_CLUSTER_VERSION)).register(registry);
        GaugeWithCallback.builder().name("etcd_server_id").help("Server or member ID in hexadecimal format. 1 for"
                + " 'server_id' label with current ID.").labelNames("server_id").callback(cb -> {
                    Keel k = member.get();
                    if (k != null) cb.call(1, Long.toHexString(k.memberId()));
                }).register(registry);
        walFsync = Histogram.builder().name("etcd_disk_wal_fsync_duration_seconds")
                .help("The latency distributions of fsync called by WAL (Keel: a Raft log group commit, write and"
                        + " fsync).").unit(Unit.SECONDS).classicOnly().classicUpperBounds(DISK_BUCKETS)
                .register(registry);
        backendCommit = Histogram.builder().name("etcd_disk_backend_commit_duration_seconds")
                .help("The latency distributions of commit called by backend (Keel: one applied batch written to"
                        + " RocksDB).").unit(Unit.SECONDS).classicOnly().classicUpperBounds(DISK_BUCKETS)
                .register(registry);
        peerRoundTrip = Histogram.builder().name("etcd_network_peer_round_trip_time_seconds")
                .help("Round-Trip-Time histogram between peers").unit(Unit.SECONDS).labelNames("To").classicOnly()
                .classicUpperBounds(RTT_BUCKETS).register(registry);
        CounterWithCallback.builder().name("etcd_network_peer_sent_bytes_total").help("The total number of bytes"
                + " sent to peers.").labelNames("To").callback(cb -> {
                    Keel k = member.get();
                    if (k == null) return;
                    k.transportStats().peers().forEach((id, p) -> cb.call(p.bytesSent(), Long.toHexString(id)));
                }).register(registry);
        // Keel's transport counts received bytes per connection, not per peer: one series, without etcd's From label,
        // so etcd's dashboard (which sums them per member) reads it unchanged.
        CounterWithCallback.builder().name("etcd_network_peer_received_bytes_total").help("The total number of bytes"
                + " received from peers (Keel: from all peers together, no From label).").callback(cb -> {
                    Keel k = member.get();
                    if (k != null) cb.call(k.transportStats().bytesReceived());
                }).register(registry);
        CounterWithCallback.builder().name("etcd_network_peer_sent_failures_total").help("The total number of send"
                + " failures from peers.").labelNames("To").callback(cb -> {
                    Keel k = member.get();
                    if (k == null) return;
                    k.transportStats().peers().forEach((id, p) -> cb.call(p.messagesDropped(),
                            Long.toHexString(id)));
                }).register(registry);
        slowApplies = Counter.builder().name("etcd_server_slow_apply_total").help("The total number of slow apply"
                + " requests (likely overloaded from slow disk). Keel: applied batches that took over 100 ms.")
                .withoutExemplars().register(registry);
        heartbeatSendFailures = Counter.builder().name("etcd_server_heartbeat_send_failures_total")
                .help("The total number of leader heartbeat send failures (likely overloaded from slow disk). Keel:"
                        + " heartbeats sent more than two heartbeat intervals after the last to the same peer.")
                .withoutExemplars().register(registry);
        gauge(registry, member, "etcd_debugging_mvcc_watch_stream_total", "Total number of watch streams.",
                k -> k.watchHub().streamCount());
        gauge(registry, member, "etcd_debugging_mvcc_watcher_total", "Total number of watchers.",
                k -> k.watchHub().watchCount());
    }

    void leaderChanged() {
        leaderChanges.inc();
    }

    void heartbeatsLate(int late) {
        if (late > 0) heartbeatSendFailures.inc(late);
    }

    void proposalFailed() {
        proposalsFailed.inc();
    }

    void persisted(double seconds) {
        walFsync.observe(seconds);
    }

    void applied(double seconds) {
        backendCommit.observe(seconds);
        if (seconds > SLOW_APPLY_SECONDS) slowApplies.inc();
    }

    void peerRoundTrip(long peer, double seconds) {
        peerRoundTrip.labelValues(Long.toHexString(peer)).observe(seconds);
    }

    private static void gauge(PrometheusRegistry registry, Supplier<Keel> member, String name, String help,
                              ToDoubleFunction<Keel> value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
            Keel k = member.get();
            if (k != null) cb.call(value.applyAsDouble(k));
        }).register(registry);
    }

    private static double[] exponential(double start, double factor, int count) {
        double[] b = new double[count];
        for (int i = 0; i < count; i++) b[i] = start * Math.pow(factor, i);
        return b;
    }
}
