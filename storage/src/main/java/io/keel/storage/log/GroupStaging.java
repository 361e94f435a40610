package io.keel.storage.log;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a group of {@link LogWrite}s into one WriteBatch. Each write is applied to the log as the writes before it in
 * the group left it, with exactly {@code MemoryStorage}'s semantics: a snapshot newer than the current one is
 * installed (the log after it is kept only if the log agrees with the snapshot at its index), then entries replace
 * any stored suffix from their first index on, then the hard state is replaced.
 *
 * <p>A write the log must refuse (a gap, an entry at or below the snapshot) is refused whole, before any of it is
 * staged, and the rest of the group goes on; what a refused write would have done is simply not in the batch.
 */
final class GroupStaging {
    /** Terms of entries already durable in the store, for indexes this group has not rewritten. */
    @FunctionalInterface
    interface StoredTerms {
        long term(long index) throws RocksDBException;
    }

    private record Staged(LogWrite write, boolean restartsLog) {
    }

    private final LogDatabase db;
    private final WriteBatch batch;
    private final EntryCodec codec;
    private final StoredTerms stored;
    private final List<Staged> staged = new ArrayList<>();
    private LogLayout layout;
    private boolean hasUpdates;
    private int entryCount;

    GroupStaging(LogDatabase db, WriteBatch batch, EntryCodec codec, StoredTerms stored, LogLayout published) {
        this.db = db;
        this.batch = batch;
        this.codec = codec;
        this.stored = stored;
        this.layout = published;
    }

    /** Stages {@code write}; returns null, or why it was refused (and then nothing of it is staged). */
    RuntimeException stage(LogWrite write) throws RocksDBException {
        // Decide everything first, so a refusal leaves the batch untouched.
        SnapshotMetadata snapshot = write.snapshot();
        boolean installs = snapshot != null && snapshot.getIndex() > layout.snapshotIndex();
        boolean keepsLog = installs && snapshot.getIndex() <= layout.lastIndex()
                && term(snapshot.getIndex()) == snapshot.getTerm();
        LogLayout afterSnapshot = installs
                ? layout.withSnapshot(snapshot, keepsLog ? layout.lastIndex() : snapshot.getIndex())
                : layout;
        List<Entry> entries = write.entries();
        if (!entries.isEmpty()) {
            try {
                write.checkConsecutive();
                afterSnapshot.checkAppend(entries.get(0).getIndex());
            } catch (IllegalArgumentException | IllegalStateException refused) {
                return refused;
            }
        }

        if (installs) {
            // The covered prefix goes; so does the whole log if it disagrees with the snapshot.
            long deleteThrough = keepsLog ? snapshot.getIndex() : layout.lastIndex();
            if (deleteThrough >= layout.firstIndex()) {
                batch.deleteRange(db.log, LogKeys.of(layout.firstIndex()), LogKeys.of(deleteThrough + 1));
            }
            MetaRecords.putSnapshot(batch, db, snapshot);
            hasUpdates = true;
        }
        LogLayout next = afterSnapshot;
        if (!entries.isEmpty()) {
            long last = entries.get(entries.size() - 1).getIndex();
            // A conflicting suffix longer than the new entries: its tail is not overwritten, so delete it.
            if (last < afterSnapshot.lastIndex()) {
                batch.deleteRange(db.log, LogKeys.of(last + 1), LogKeys.of(afterSnapshot.lastIndex() + 1));
            }
            for (Entry e : entries) codec.put(batch, db.log, e);
            next = next.withLastIndex(last);
            entryCount += entries.size();
            hasUpdates = true;
        }
        if (write.hardState() != null) {
            MetaRecords.putHardState(batch, db, write.hardState());
            next = next.withHardState(write.hardState());
            hasUpdates = true;
        }
        staged.add(new Staged(write, installs && !keepsLog));
        layout = next;
        return null;
    }

    /** The layout once the batch is durable. */
    LogLayout layout() {
        return layout;
    }

    boolean hasUpdates() {
        return hasUpdates;
    }

    int entryCount() {
        return entryCount;
    }

    /** Brings the term cache to where the batch leaves the log, write by write. */
    void replayInto(RecentEntries terms) {
        for (Staged s : staged) {
            if (s.restartsLog()) terms.resetAfter(s.write().snapshot().getIndex());
            terms.append(s.write().entries());
        }
    }

    /**
     * The term of {@code index} as the group has left the log so far, for snapshotIndex < index <= lastIndex. The
     * newest staged write covering an index is the one that wrote it last: any write that truncated below it left
     * the index beyond the last index until a later write, which covers it, wrote it again.
     */
    private long term(long index) throws RocksDBException {
        for (int i = staged.size() - 1; i >= 0; i--) {
            List<Entry> entries = staged.get(i).write().entries();
            if (entries.isEmpty()) continue;
            long first = entries.get(0).getIndex();
            if (index >= first && index < first + entries.size()) return entries.get((int) (index - first)).getTerm();
        }
        return stored.term(index);
    }
}
