package io.keel.raft.log;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory RaftStorage, for tests and the simulator. It plays the disk: what was written here survives a
 * simulated crash, what was not does not. Not thread-safe.
 */
public final class MemoryStorage implements RaftStorage {
    private HardState hardState = HardState.getDefaultInstance();
    private SnapshotMetadata snapshot = SnapshotMetadata.getDefaultInstance();
    /** entries.get(0) is at index snapshot.index + 1. */
    private final ArrayList<Entry> entries = new ArrayList<>();

    /**
     * Storage of a member of a new cluster: the initial configuration is entry 1 (term 1, committed), so a member
     * added later, starting from an empty log, learns the whole configuration history from the log itself.
     * Every initial member must be bootstrapped with the same voters.
     */
    public static MemoryStorage bootstrap(long... voters) {
        MemoryStorage s = new MemoryStorage();
        s.append(List.of(Bootstrap.initialEntry(voters)));
        s.setHardState(Bootstrap.initialHardState());
        return s;
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, snapshot.getConfState());
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo < firstIndex()) throw new CompactedException(lo, firstIndex());
        if (hi > lastIndex() + 1) throw new IllegalArgumentException("entries up to " + hi + " beyond last " + lastIndex());
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = lo; i < hi; i++) {
            Entry e = entries.get((int) (i - firstIndex()));
            bytes += EntrySizes.payload(e);
            if (!out.isEmpty() && bytes > maxBytes) break;
            out.add(e);
        }
        return out;
    }

    @Override
    public long term(long index) {
        long snapIndex = snapshot.getIndex();
        if (index == snapIndex) return snapshot.getTerm();
        if (index < snapIndex) throw new CompactedException(index, firstIndex());
        if (index > lastIndex()) throw new IllegalArgumentException("term of " + index + " beyond last " + lastIndex());
        return entries.get((int) (index - snapIndex - 1)).getTerm();
    }

    @Override
    public long firstIndex() {
        return snapshot.getIndex() + 1;
    }

    @Override
    public long lastIndex() {
        return snapshot.getIndex() + entries.size();
    }

    @Override
    public SnapshotMetadata snapshotMetadata() {
        return snapshot;
    }

    public HardState hardState() {
        return hardState;
    }

    public void setHardState(HardState hs) {
        this.hardState = hs;
    }

    /** Appends entries, first discarding any stored suffix they replace (a conflicting tail, thesis §3.5). */
    public void append(List<Entry> newEntries) {
        if (newEntries.isEmpty()) return;
        long first = newEntries.get(0).getIndex();
        if (first > lastIndex() + 1) {
            throw new IllegalStateException("gap: appending " + first + " after " + lastIndex());
        }
        if (first <= snapshot.getIndex()) {
            throw new IllegalStateException("appending " + first + " at or below snapshot " + snapshot.getIndex());
        }
        int keep = (int) (first - firstIndex());
        entries.subList(keep, entries.size()).clear();
        entries.addAll(newEntries);
    }

    /** Installs a snapshot received from the leader: the log restarts after it. */
    public void applySnapshot(SnapshotMetadata meta) {
        if (meta.getIndex() <= snapshot.getIndex()) return;
        long keepFrom = meta.getIndex() + 1;
        List<Entry> kept = new ArrayList<>();
        // Entries after the snapshot are kept only if the log agrees with it at its index.
        if (meta.getIndex() <= lastIndex() && term(meta.getIndex()) == meta.getTerm()) {
            for (long i = keepFrom; i <= lastIndex(); i++) kept.add(entries.get((int) (i - firstIndex())));
        }
        entries.clear();
        entries.addAll(kept);
        snapshot = meta;
    }

    /**
     * Records a snapshot the local state machine took at {@code index} and discards the log up to it
     * (log compaction, thesis §5.1).
     */
    public void compact(long index, ConfState confState) {
        if (index <= snapshot.getIndex()) return;
        if (index > lastIndex()) throw new IllegalArgumentException("compact " + index + " beyond last " + lastIndex());
        long term = term(index);
        entries.subList(0, (int) (index - snapshot.getIndex())).clear();
        snapshot = SnapshotMetadata.newBuilder().setIndex(index).setTerm(term).setConfState(confState).build();
    }
}
