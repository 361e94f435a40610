package io.keel.storage.mvcc;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a store has done, counted as etcd 3.4's mvcc package counts it (its {@code etcd_mvcc_*} metrics): ranges,
 * puts and deletes, and transactions (one store operation that did more than one of them), plus the number of live
 * keys. Writes are counted once per applied operation, so every member counts each write once; reads on the
 * member that served them. An operation the store refuses counts nothing.
 *
 * <p>One instance may outlive the stores it counts for (a member's store is replaced by a snapshot from the leader):
 * pass it to each with {@link MvccOptions#withCounters}. The counts only grow; the live keys are those of the store
 * opened last. Increments are uncontended adders: a few nanoseconds on the write path.
 */
public final class StoreCounters {
    private final LongAdder ranges = new LongAdder();
    private final LongAdder puts = new LongAdder();
    private final LongAdder deletes = new LongAdder();
    private final LongAdder txns = new LongAdder();
    /** Live keys of the store opened last: counted at its open, then moved by each applied operation. */
    private final LongAdder liveKeys = new LongAdder();
    private final LongAdder leasesGranted = new LongAdder();
    private final LongAdder leasesRevoked = new LongAdder();
    private final LongAdder compactedVersions = new LongAdder();

    /** Ranges served: Range calls, ranges in transactions, each compare evaluated, a put's or delete's prev_kv. */
    public long ranges() {
        return ranges.sum();
    }

    /** Puts applied, alone or in a transaction. */
    public long puts() {
        return puts.sum();
    }

    /** Delete ranges applied (one per request, however many keys), plus one per key a lease revocation deletes. */
    public long deletes() {
        return deletes.sum();
    }

    /** Store operations that did more than one range, put or delete (etcd's txn_total). */
    public long txns() {
        return txns.sum();
    }

    /** Keys that currently have a live version (etcd's keys_total). */
    public long liveKeys() {
        return liveKeys.sum();
    }

    /** Leases granted (etcd's lease_granted_total). */
    public long leasesGranted() {
        return leasesGranted.sum();
    }

    /** Leases revoked, by a client or by expiry (etcd's lease_revoked_total). */
    public long leasesRevoked() {
        return leasesRevoked.sum();
    }

    /** Versions (revisions of keys) removed by compactions (etcd's db_compaction_keys_total). */
    public long compactedVersions() {
        return compactedVersions.sum();
    }

    /** A store was opened holding {@code keys} live keys: from now on the count is that store's. */
    void opened(long keys) {
        liveKeys.reset();
        liveKeys.add(keys);
    }

    /** A range served outside any write (a Range call). */
    void rangeServed() {
        ranges.increment();
    }

    /**
     * One operation's counts, gathered while it runs and added to the totals only once it is done (a refused
     * operation's are dropped). Used by one thread at a time. Public because the store's apply and read code in
     * {@code io.keel.storage.mvcc.apply} fills it; it takes only what an operation did, never a count to set.
     */
    public static final class Tally {
        private int ranges;
        private int puts;
        private int deletes;
        /** Keys given a live version minus keys whose live version was deleted. */
        private int keysDelta;
        private int leasesGranted;
        private int leasesRevoked;
        private int compactedVersions;

        /** A range read: a Range in a transaction, a compare evaluated, a put's or delete's prev_kv. */
        public void rangeServed() {
            ranges++;
        }

        /** A put applied; {@code newKey} when the key had no live version before it. */
        public void putApplied(boolean newKey) {
            puts++;
            if (newKey) keysDelta++;
        }

        /** A delete applied (a delete range, or one key of a revoked lease) that ended {@code liveKeys} live keys. */
        public void deleteApplied(int liveKeys) {
            deletes++;
            keysDelta -= liveKeys;
        }

        public void leaseGranted() {
            leasesGranted++;
        }

        public void leaseRevoked() {
            leasesRevoked++;
        }

        /** A compaction removed {@code versions} versions. */
        public void compacted(int versions) {
            compactedVersions += versions;
        }

        /** Keys given a live version minus keys whose live version was deleted, so far. */
        public int keysDelta() {
            return keysDelta;
        }

        public void clear() {
            ranges = 0;
            puts = 0;
            deletes = 0;
            keysDelta = 0;
            leasesGranted = 0;
            leasesRevoked = 0;
            compactedVersions = 0;
        }

        /** Adds the counts to {@code c}'s totals and starts afresh. */
        public void addTo(StoreCounters c) {
            if (ranges != 0) c.ranges.add(ranges);
            if (puts != 0) c.puts.add(puts);
            if (deletes != 0) c.deletes.add(deletes);
            if (ranges + puts + deletes > 1) c.txns.increment();
            if (keysDelta != 0) c.liveKeys.add(keysDelta);
            if (leasesGranted != 0) c.leasesGranted.add(leasesGranted);
            if (leasesRevoked != 0) c.leasesRevoked.add(leasesRevoked);
            if (compactedVersions != 0) c.compactedVersions.add(compactedVersions);
            clear();
        }
    }
}
