package io.keel.raft.log;

import io.keel.raft.proto.Entry;

/** The size that flow control counts for an entry: its payload (the same measure on every member). */
public final class EntrySizes {
    private EntrySizes() {
    }

    public static long payload(Entry e) {
        return e.getData().size();
    }

    public static long payload(Iterable<Entry> entries) {
        long total = 0;
        for (Entry e : entries) total += payload(e);
        return total;
    }
}
