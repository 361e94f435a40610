package io.keel.storage.log;

import io.keel.raft.Ready;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.List;
import java.util.Objects;

/**
 * The durable part of one {@link Ready}: a snapshot to install (or null), then entries to append (replacing any
 * conflicting stored suffix), then the hard state (or null). Written as one atomic, synced write.
 */
public record LogWrite(List<Entry> entries, HardState hardState, SnapshotMetadata snapshot) {
    public LogWrite {
        Objects.requireNonNull(entries, "entries (empty when there are none)");
    }

    public static LogWrite of(Ready ready) {
        return new LogWrite(ready.entries(), ready.hardState(), ready.snapshot());
    }

    public static LogWrite entries(List<Entry> entries) {
        return new LogWrite(entries, null, null);
    }

    /** Checks that the entries are consecutive, so the store may trust first and last alone. */
    void checkConsecutive() {
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).getIndex() != entries.get(i - 1).getIndex() + 1) {
                throw new IllegalArgumentException("entries to append are not consecutive: "
                        + entries.get(i - 1).getIndex() + " then " + entries.get(i).getIndex());
            }
        }
    }
}
