package io.keel.server.ops;

import io.keel.server.Keel;
import io.keel.storage.mvcc.StoreCounters;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * etcd 3.4's store and lease metrics (its mvcc and lease packages, and the quota), under etcd's names and types,
 * read from the member when scraped: the counts come from {@link StoreCounters}, which the store keeps as it applies
 * (every member counts each write once) and serves reads. The etcd_debugging_ twins etcd 3.4 still exports beside
 * some of them are exported too, as dashboards of that time read them.
 */
final class EtcdStoreMetrics {
    private final Supplier<Keel> member;

    EtcdStoreMetrics(PrometheusRegistry registry, Supplier<Keel> member) {
        this.member = member;
        for (String prefix : new String[] {"etcd_mvcc_", "etcd_debugging_mvcc_"}) {
            counter(registry, prefix + "range_total", "Total number of ranges seen by this member.",
                    StoreCounters::ranges);
            counter(registry, prefix + "put_total", "Total number of puts seen by this member.",
                    StoreCounters::puts);
            counter(registry, prefix + "delete_total", "Total number of deletes seen by this member.",
                    StoreCounters::deletes);
            counter(registry, prefix + "txn_total", "Total number of txns seen by this member.",
                    StoreCounters::txns);
            // Keel: the bytes the space quota counts (live SST files and memtables), as Status' dbSize
            gauge(registry, prefix + "db_total_size_in_bytes", "Total size of the underlying database physically"
                    + " allocated in bytes.", Keel::spaceUsed);
        }
        gauge(registry, "etcd_debugging_mvcc_keys_total", "Total number of keys.",
                k -> k.storeCounters().liveKeys());
        // RocksDB keeps no free pages: what is dead goes with its compactions. In use is the total, as Status says.
        gauge(registry, "etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database"
                + " logically in use in bytes.", Keel::spaceUsed);
        gauge(registry, "etcd_debugging_mvcc_current_revision", "The current revision of store.", Keel::revision);
        gauge(registry, "etcd_debugging_mvcc_compact_revision", "The revision of the last compaction in store.",
                Keel::compactRevision);
        gauge(registry, "etcd_server_quota_backend_bytes", "Current backend storage quota size in bytes.",
                Keel::quotaBytes);
        counter(registry, "etcd_debugging_mvcc_db_compaction_keys_total", "Total number of db keys compacted.",
                StoreCounters::compactedVersions);
        counter(registry, "etcd_debugging_lease_granted_total", "The total number of granted leases.",
                StoreCounters::leasesGranted);
        counter(registry, "etcd_debugging_lease_revoked_total", "The total number of revoked leases.",
                StoreCounters::leasesRevoked);
        CounterWithCallback.builder().name("etcd_debugging_lease_renewed_total")
                .help("The number of renewed leases seen by the leader.").callback(cb -> {
                    Keel k = member.get();
                    if (k != null) cb.call(k.leaseRenewals());
                }).register(registry);
    }

    private void counter(PrometheusRegistry registry, String name, String help,
                         ToDoubleFunction<StoreCounters> value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> {
            Keel k = member.get();
            if (k == null) return;
            StoreCounters c;
            try {
                c = k.storeCounters();
            } catch (RuntimeException e) {
                return; // the member is stopping: no sample rather than a failed scrape
            }
            cb.call(value.applyAsDouble(c));
        }).register(registry);
    }

    private void gauge(PrometheusRegistry registry, String name, String help, ToDoubleFunction<Keel> value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
            Keel k = member.get();
            if (k == null) return;
            double v;
            try {
                v = value.applyAsDouble(k);
            } catch (RuntimeException e) {
                return; // the member is stopping: no sample rather than a failed scrape
            }
            cb.call(v);
        }).register(registry);
    }
}
