package io.keel.storage.log;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How much each sync of a {@link GroupCommitLog} carried: counts, and a histogram of writes per sync in power-of-two
 * buckets (bucket b counts syncs that carried [2^b, 2^(b+1)) writes). Written by the sync thread, read by anyone
 * (metrics, the benchmarks of issue #6).
 */
public final class SyncBatchStats {
    public static final int BUCKETS = 16;

    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong syncNanos = new AtomicLong();
    private final AtomicLong maxWritesPerSync = new AtomicLong();
    private final AtomicLongArray histogram = new AtomicLongArray(BUCKETS);

    void record(int writesInSync, int entriesInSync, long nanos) {
        syncs.incrementAndGet();
        writes.addAndGet(writesInSync);
        entries.addAndGet(entriesInSync);
        syncNanos.addAndGet(nanos);
        maxWritesPerSync.accumulateAndGet(writesInSync, Math::max);
        histogram.incrementAndGet(Math.min(BUCKETS - 1, 31 - Integer.numberOfLeadingZeros(writesInSync)));
    }

    public Snapshot snapshot() {
        long[] h = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) h[i] = histogram.get(i);
        return new Snapshot(syncs.get(), writes.get(), entries.get(), syncNanos.get(), maxWritesPerSync.get(), h);
    }

    /**
     * @param syncs            batches written and synced
     * @param writes           {@link LogWrite}s they carried
     * @param entries          log entries they carried
     * @param syncNanos        total time spent in the write + fsync
     * @param maxWritesPerSync the most writes one sync carried
     * @param writesPerSync    histogram; bucket b counts syncs carrying [2^b, 2^(b+1)) writes
     */
    public record Snapshot(long syncs, long writes, long entries, long syncNanos, long maxWritesPerSync,
                           long[] writesPerSync) {
        public double meanWritesPerSync() {
            return syncs == 0 ? 0 : (double) writes / syncs;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder().append(syncs).append(" syncs carried ").append(writes)
                    .append(" writes (").append(entries).append(" entries), mean ")
                    .append(String.format("%.2f", meanWritesPerSync())).append(" writes/sync, max ")
                    .append(maxWritesPerSync).append("; histogram");
            for (int b = 0; b < writesPerSync.length; b++) {
                if (writesPerSync[b] > 0) sb.append(' ').append(1L << b).append("+:").append(writesPerSync[b]);
            }
            return sb.toString();
        }
    }
}
