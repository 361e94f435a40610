package io.keel.server.ops;

import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.raft.proto.Message;
import io.keel.server.Keel;
import io.keel.server.member.MemberObserver;
import io.keel.transport.TransportStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * A member's Prometheus metrics. Events (state changes, persists, applies, proposals, heartbeats) arrive as a
 * {@link MemberObserver}; levels (term, indexes, pending proposals, transport and sync counters) are read from the
 * member when scraped. Every metric is listed in docs/operations.md.
 *
 * <p>Create it, pass it to {@link Keel.Builder#observer}, then {@link #bind} the started member.
 */
public final class KeelMetrics implements MemberObserver {
    /** Seconds: 100 µs .. ~6.5 s, doubling; disk and apply latencies live in the lower half. */
    private static final double[] LATENCY_BUCKETS = exponential(0.0001, 2, 17);
    /** Seconds: 100 µs .. ~1.6 s; a loopback round trip is well under a millisecond, a WAN one tens of ms. */
    private static final double[] RTT_BUCKETS = exponential(0.0001, 2, 15);

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter leaderChanges;
    private final Counter proposalsCommitted;
    private final Counter proposalsFailed;
    private final Histogram persistDuration;
    private final Histogram applyDuration;
    private final Histogram peerRoundTrip;
    private final PeerRoundTrips roundTrips;
    private volatile Keel keel;
    private final CompletableFuture<Throwable> failed = new CompletableFuture<>();
    private long lastLeader; // raft thread only
    private final HeartbeatGaps heartbeatGaps = new HeartbeatGaps(); // raft thread only
    /** Two heartbeat intervals (etcd's limit for a heartbeat on time), once bound; 0 before. */
    private volatile long heartbeatGapNanos;
    /** This member's own term and leader changes, for the cluster page's history (ops, not a metric). */
    private final LeaderHistory history = new LeaderHistory();
    /** The same measurements under etcd's names, for etcd's dashboards and alerts. */
    private final EtcdNamedMetrics etcd;
    /** etcd's grpc_server_* and client byte counts, for the client port's services to count their calls in. */
    private final io.keel.server.grpc.GrpcCallMetrics calls;

    public KeelMetrics() {
        leaderChanges = Counter.builder().name("keel_server_leader_changes_seen")
                .help("Times this member saw a new leader (as etcd counts: a known leader different from the last)")
                .register(registry);
        proposalsCommitted = Counter.builder().name("keel_server_proposals_committed")
                .help("Client writes proposed at this member that committed and applied (including ones the store"
                        + " refused, such as a compaction of a compacted revision)")
                .register(registry);
        proposalsFailed = Counter.builder().name("keel_server_proposals_failed")
                .help("Client writes proposed at this member that did not apply: refused (not leader, overloaded),"
                        + " lost with a leadership change, or stopped")
                .register(registry);
        persistDuration = Histogram.builder().name("keel_disk_persist_duration_seconds")
                .help("From handing a Raft Ready to the group commit log until it is durable (write + fsync,"
                        + " including waiting for the sync in progress)")
                .unit(Unit.SECONDS).classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        applyDuration = Histogram.builder().name("keel_server_apply_duration_seconds")
                .help("Applying one batch of committed entries to the MVCC store (one synced write per batch)")
                .unit(Unit.SECONDS).classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        peerRoundTrip = Histogram.builder().name("keel_network_peer_round_trip_time_seconds")
                .help("Leader heartbeat to a peer until its response (measured by the leader only)")
                .unit(Unit.SECONDS).labelNames("to").classicOnly().classicUpperBounds(RTT_BUCKETS)
                .register(registry);
        etcd = new EtcdNamedMetrics(registry, () -> keel);
        new EtcdStoreMetrics(registry, () -> keel);
        calls = new io.keel.server.grpc.GrpcCallMetrics(registry);
        // process_resident_memory_bytes, process_open_fds, process_max_fds, ...: etcd's dashboard and rules read them.
        io.prometheus.metrics.instrumentation.jvm.ProcessMetrics.builder().register(registry);
        roundTrips = new PeerRoundTrips((peer, nanos) -> {
            peerRoundTrip.labelValues(Long.toHexString(peer)).observe(nanos / 1e9);
            etcd.peerRoundTrip(peer, nanos / 1e9);
        });

        gauge("keel_server_has_leader", "1 when this member knows a leader, else 0",
                k -> k.leaderId() == 0 ? 0 : 1);
        gauge("keel_server_is_leader", "1 when this member is the leader, else 0",
                k -> k.state().role() == Role.LEADER ? 1 : 0);
        gauge("keel_raft_term", "This member's current Raft term", k -> k.state().term());
        gauge("keel_raft_commit_index", "The highest log index this member knows to be committed",
                Keel::commitIndex);
        gauge("keel_raft_applied_index", "The log index up to which this member's store has applied",
                Keel::appliedIndex);
        gauge("keel_server_proposals_pending", "Client writes admitted at this member and not yet answered",
                Keel::pendingProposals);
        // Issue 14: etcd's etcd_mvcc_db_total_size_in_bytes and etcd_server_quota_backend_bytes, Keel's way.
        GaugeWithCallback.builder().name("keel_mvcc_db_total_size_in_bytes")
                .help("The store's live SST files and memtables, as the space quota counts them (etcdctl's DB SIZE)")
                .callback(cb -> {
                    Keel k = keel;
                    if (k == null) return;
                    try {
                        cb.call(k.spaceUsed());
                    } catch (RuntimeException e) {
                        // the member is stopping: no sample rather than a failed scrape
                    }
                }).register(registry);
        gauge("keel_server_quota_backend_bytes", "The space quota (--quota-backend-bytes)", Keel::quotaBytes);
        gauge("keel_server_id", "This member's id (also as label member_id, in hex)", k -> 1, "member_id",
                k -> Long.toHexString(k.memberId()));

        gauge("keel_watch_streams", "Open watch streams (gRPC Watch calls and embedded watches)",
                k -> k.watchHub().streamCount());
        gauge("keel_watch_watchers", "Watchers on this member's open watch streams",
                k -> k.watchHub().watchCount());
        GaugeWithCallback.builder().name("keel_lease_leases")
                .help("Leases in this member's store, as applied here")
                .callback(cb -> {
                    Keel k = keel;
                    if (k == null) return;
                    try {
                        cb.call(k.leaseCount());
                    } catch (RuntimeException e) {
                        // the member is stopping: no sample rather than a failed scrape
                    }
                }).register(registry);
        diskGauge("keel_disk_data_dir_free_bytes", "Bytes free for this member on the file system of its data"
                + " directory; a full disk stops the member (fail-stop on ENOSPC)", FileStore::getUsableSpace);
        diskGauge("keel_disk_data_dir_total_bytes", "Size of the file system holding this member's data directory",
                FileStore::getTotalSpace);

        counter("keel_disk_log_syncs", "Group commits of the Raft log (one write + fsync each)",
                k -> k.logSyncStats().syncs());
        counter("keel_disk_log_sync_seconds", "Time spent in Raft log group commits (write + fsync)",
                k -> k.logSyncStats().syncNanos() / 1e9);
        counter("keel_disk_log_synced_writes", "Raft log writes carried by group commits (several per sync"
                + " under load)", k -> k.logSyncStats().writes());
        counter("keel_network_sent_bytes", "Bytes this member's peer transport sent",
                k -> k.transportStats().bytesSent());
        counter("keel_network_received_bytes", "Bytes this member's peer transport received",
                k -> k.transportStats().bytesReceived());
        counter("keel_network_messages_dropped", "Peer messages not sent: queue full, connection lost, oversized or"
                + " for an unknown member", k -> k.transportStats().messagesDropped());
        peerCounter("keel_network_peer_sent_bytes", "Bytes of messages sent to a peer",
                TransportStats.PeerStats::bytesSent);
        peerCounter("keel_network_peer_messages_dropped", "Messages to a peer that were not sent",
                TransportStats.PeerStats::messagesDropped);
        GaugeWithCallback.builder().name("keel_network_peer_connected")
                .help("1 while the outbound connection to a peer has completed its handshake")
                .labelNames("to")
                .callback(cb -> {
                    Keel k = keel;
                    if (k == null) return;
                    k.transportStats().peers().forEach((id, p) -> cb.call(p.connected() ? 1 : 0, Long.toHexString(id)));
                }).register(registry);
    }

    /** Starts reading levels from the member (its events arrive from its start on). */
    public void bind(Keel started) {
        this.heartbeatGapNanos = 2 * started.heartbeatInterval().toNanos();
        this.keel = started;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Where the client port counts its calls ({@code ClientPort.withCallMetrics}). */
    public io.keel.server.grpc.GrpcCallMetrics calls() {
        return calls;
    }

    /**
     * Every metric in Prometheus' text format, as {@code GET /metrics} answers it on the ops port and on the client
     * port (etcd serves its metrics there too): one page, one writer, for both.
     */
    public io.keel.server.gateway.PlainAnswer page() {
        io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter text =
                io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(16 * 1024);
        try {
            text.write(body, registry.scrape());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
        return new io.keel.server.gateway.PlainAnswer(text.getContentType(), body.toByteArray());
    }

    /** Term and leader changes as this member saw them (its own as {@link LeaderHistory#SELF}) and asked others. */
    public LeaderHistory history() {
        return history;
    }

    /** The member's failure, if it stopped after one (fail-stop), else null. */
    public Throwable failure() {
        return failed.getNow(null);
    }

    /** Completes with the failure when the member stops after one (fail-stop). */
    public CompletableFuture<Throwable> failed() {
        return failed;
    }

    // ------------------------------------------------------------------ MemberObserver

    @Override
    public void stateChanged(SoftState state) {
        if (state.leaderId() != 0 && state.leaderId() != lastLeader) {
            leaderChanges.inc();
            etcd.leaderChanged();
        }
        lastLeader = state.leaderId();
        heartbeatGaps.reset();
        // A lock shared only with the ops page's reader, held for a copy of at most 500 entries: never a wait here.
        history.record(System.currentTimeMillis(), LeaderHistory.SELF, state.term(), state.leaderId());
    }

    @Override
    public void persisted(long nanos) {
        persistDuration.observe(nanos / 1e9);
        etcd.persisted(nanos / 1e9);
    }

    @Override
    public void applied(int entries, long nanos) {
        applyDuration.observe(nanos / 1e9);
        etcd.applied(nanos / 1e9);
    }

    @Override
    public void proposalFinished(boolean committed) {
        (committed ? proposalsCommitted : proposalsFailed).inc();
        if (!committed) etcd.proposalFailed();
    }

    @Override
    public void messagesSent(List<Message> messages) {
        if (messages.isEmpty()) return;
        long now = System.nanoTime();
        roundTrips.sent(messages, now);
        long maxGap = heartbeatGapNanos;
        if (maxGap > 0) etcd.heartbeatsLate(heartbeatGaps.late(messages, now, maxGap));
    }

    @Override
    public void messageReceived(Message message) {
        roundTrips.received(message, System.nanoTime());
    }

    @Override
    public void failed(Throwable cause) {
        failed.complete(cause);
    }

    // ------------------------------------------------------------------ registration helpers

    private void gauge(String name, String help, ToDoubleFunction<Keel> value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
            Keel k = keel;
            if (k != null) cb.call(value.applyAsDouble(k));
        }).register(registry);
    }

    private void gauge(String name, String help, ToDoubleFunction<Keel> value, String label,
                       Function<Keel, String> labelValue) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(label).callback(cb -> {
            Keel k = keel;
            if (k != null) cb.call(value.applyAsDouble(k), labelValue.apply(k));
        }).register(registry);
    }

    /** A gauge read from the file system holding the data directory; no sample if it cannot be read. */
    private void diskGauge(String name, String help, DiskFigure figure) {
        GaugeWithCallback.builder().name(name).help(help).unit(Unit.BYTES).callback(cb -> {
            Keel k = keel;
            if (k == null) return;
            try {
                cb.call(figure.of(Files.getFileStore(k.dataDir())));
            } catch (IOException e) {
                // the directory is gone or unreadable: the member's own failure says more than a missing sample
            }
        }).register(registry);
    }

    private interface DiskFigure {
        long of(FileStore store) throws IOException;
    }

    private void counter(String name, String help, ToDoubleFunction<Keel> value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> {
            Keel k = keel;
            if (k != null) cb.call(value.applyAsDouble(k));
        }).register(registry);
    }

    private void peerCounter(String name, String help, ToDoubleFunction<TransportStats.PeerStats> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("to").callback(cb -> {
            Keel k = keel;
            if (k == null) return;
            k.transportStats().peers().forEach((id, p) -> cb.call(value.applyAsDouble(p), Long.toHexString(id)));
        }).register(registry);
    }

    private static double[] exponential(double start, double factor, int count) {
        double[] b = new double[count];
        for (int i = 0; i < count; i++) b[i] = start * Math.pow(factor, i);
        return b;
    }
}
