package io.keel.storage.mvcc.apply;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The apply thread's memory of keys' CURRENT records, so that a write need not look its key's live version up in
 * RocksDB (a profile of 100 writing clients put two thirds of a put's apply in that lookup: a memtable skip-list
 * search through every version written since the last flush).
 *
 * <p>Two layers. The <em>committed</em> layer holds records as the database has them after the last committed
 * batch, least recently used first, bounded by {@code maxBytes}; a key may also be known to be absent. The
 * <em>pending</em> layer holds what the batch being applied wrote to CURRENT, with a journal so that an operation
 * rolled back to its save point (a refused write) takes its writes out again. A lookup asks pending, then
 * committed, then the caller reads the database and remembers what it found. Only a committed batch
 * moves its pending writes into the committed layer; a batch that fails forgets the keys it touched, so the cache
 * never holds a record the database does not.
 *
 * <p>The committed layer may keep less than the record ({@link Kept}): for CURRENT only its leading fields
 * (revisions, version, lease), since a put reads those of the version it replaces and rarely its value. A record
 * with its 256-byte value alive until its key is written again was most of what each young collection copied under
 * a write load on few keys (docs/benchmarks.md). Such a cache answers {@link #lookupLeading} from the committed
 * layer and {@link #lookup} (the whole record) only from pending and for absent keys.
 *
 * <p>The pending layer is kept even with a budget of 0 (which keeps no committed record): {@link ApplyBatch} writes
 * into a plain WriteBatch, which cannot be read, so pending is where the batch's own records are read from.
 *
 * <p>Apply thread only (the store's apply lock). A store that is replaced (a snapshot installed) is a new store with
 * a new cache; nothing else writes CURRENT.
 */
final class CurrentCache {
    /** A key known to have no live version. */
    private static final byte[] ABSENT = new byte[0];
    /** Per entry, besides the key and record: the map's node, the key wrapper and the arrays' headers. */
    private static final int ENTRY_OVERHEAD = 96;

    /** What a lookup found: the record (null for a key without a live version), or {@link #MISS}. */
    static final byte[] MISS = new byte[0];

    /** What the committed layer keeps of a record written or read under a key. */
    interface Kept {
        byte[] of(byte[] key, byte[] record);
    }

    /** The committed layer keeps whole records. */
    static final Kept WHOLE = (key, record) -> record;

    private final long maxBytes;
    private final Kept kept;
    private final LinkedHashMap<Key, byte[]> committed = new LinkedHashMap<>(1024, 0.75f, true);
    private long committedBytes;
    private final HashMap<Key, byte[]> pending = new HashMap<>();
    /** Each pending write's key and what pending held for it before ({@link #MISS}: nothing). */
    private final List<Object[]> journal = new ArrayList<>();
    private int savePoint = -1;

    CurrentCache(long maxBytes, Kept kept) {
        this.maxBytes = maxBytes;
        this.kept = kept;
    }

    /** True when committed records are kept (a budget above 0); the pending layer is kept either way. */
    private boolean enabled() {
        return maxBytes > 0;
    }

    /** The whole record of {@code key} as the batch so far has it, or {@link #MISS} when this cache does not know. */
    byte[] lookup(byte[] key) {
        return lookup(key, kept == WHOLE);
    }

    /**
     * As {@link #lookup}, for a caller that reads only what {@link Kept} keeps: the whole record or the kept part
     * of it.
     */
    byte[] lookupLeading(byte[] key) {
        return lookup(key, true);
    }

    private byte[] lookup(byte[] key, boolean committedRecordsServe) {
        Key k = new Key(key);
        byte[] v = pending.get(k);
        if (v == null) {
            v = committed.get(k);
            if (v != null && v != ABSENT && !committedRecordsServe) return MISS; // only part of it is kept
        }
        if (v == null) return MISS;
        return v == ABSENT ? null : v;
    }

    /** {@code record} (null: none) was read from the database for a key the batch has not written. */
    void remember(byte[] key, byte[] record) {
        if (!enabled()) return;
        Key k = new Key(key.clone());
        if (pending.containsKey(k)) return; // never: a key the batch wrote is found in pending
        putCommitted(k, record == null ? ABSENT : kept.of(k.bytes, record));
    }

    /** The batch being applied wrote {@code record} (null: deleted) as {@code key}'s CURRENT record. */
    void wrote(byte[] key, byte[] record) {
        Key k = new Key(key.clone());
        byte[] before = pending.put(k, record == null ? ABSENT : record);
        journal.add(new Object[] {k, before == null ? MISS : before});
    }

    /** Before one operation: its writes can be taken out again by {@link #rollBackToSavePoint()}. */
    void setSavePoint() {
        savePoint = journal.size();
    }

    /** The operation was refused and its writes taken out of the batch: out of pending too. */
    void rollBackToSavePoint() {
        if (savePoint < 0) throw new IllegalStateException("no save point");
        for (int i = journal.size() - 1; i >= savePoint; i--) {
            Object[] undo = journal.remove(i);
            Key k = (Key) undo[0];
            byte[] before = (byte[]) undo[1];
            if (before == MISS) pending.remove(k); else pending.put(k, before);
        }
        savePoint = -1;
    }

    /** The operation's writes stay in the batch. */
    void releaseSavePoint() {
        savePoint = -1;
    }

    /** The batch is in the database: its writes are now committed records. */
    void batchCommitted() {
        for (Map.Entry<Key, byte[]> e : pending.entrySet()) {
            byte[] record = e.getValue();
            putCommitted(e.getKey(), record == ABSENT ? ABSENT : kept.of(e.getKey().bytes, record));
        }
        clearPending();
    }

    /** The batch ended without being written (or its write failed): forget every key it touched. */
    void batchDiscarded() {
        for (Key k : pending.keySet()) {
            byte[] old = committed.remove(k);
            if (old != null) committedBytes -= cost(k, old);
        }
        clearPending();
    }

    /** Records held in the committed layer (for tests and metrics). */
    int size() {
        return committed.size();
    }

    private void clearPending() {
        pending.clear();
        journal.clear();
        savePoint = -1;
    }

    private void putCommitted(Key k, byte[] record) {
        long cost = cost(k, record);
        if (cost > maxBytes / 16) { // a huge value would push out hundreds of small ones
            byte[] old = committed.remove(k);
            if (old != null) committedBytes -= cost(k, old);
            return;
        }
        // put, not remove and put: a key written again keeps its map node and Key, so a write leaves no new
        // long-lived object behind but its record (the map is in access order, so put also makes it the newest).
        byte[] old = committed.put(k, record);
        if (old != null) committedBytes -= cost(k, old);
        committedBytes += cost;
        for (Iterator<Map.Entry<Key, byte[]>> it = committed.entrySet().iterator();
             committedBytes > maxBytes && it.hasNext(); ) {
            Map.Entry<Key, byte[]> eldest = it.next();
            committedBytes -= cost(eldest.getKey(), eldest.getValue());
            it.remove();
        }
    }

    private static long cost(Key k, byte[] record) {
        return (long) k.bytes.length + record.length + ENTRY_OVERHEAD;
    }

    /** A key's bytes as a map key (arrays compare by identity). */
    private static final class Key {
        final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
