package io.keel.raft;

import io.keel.raft.proto.Entry;

import java.util.ArrayList;
import java.util.List;

/**
 * Forwarded proposals (MSG_PROPOSE entries) that reached this member when it could neither append them nor pass
 * them on: it leads but is handing leadership over (a leader appends nothing then, so the target can catch up;
 * thesis §3.10), or it knows no leader (a leader that just stepped down for the transfer's vote, a candidate).
 * Dropping them, as before, left the member that forwarded them waiting out its whole request timeout (1.3-2 s
 * write gaps when a rolling restart stopped the leader, issue 14), because a forward is never answered. Held
 * instead, each is handed on once this member can: appended when it leads again with no transfer (a transfer
 * given up), or forwarded to the leader it learns of (the transfer's target, usually within milliseconds).
 *
 * <p>Bounded in bytes (a leader would admit no more uncommitted proposals either) and in time: what is still held
 * {@code maxAgeNanos} after the first of them arrived is dropped, and its origin times out as before. Nothing here
 * is ever answered or counted as appended: only the committed log tells the origin whether its write applied.
 */
final class HeldForwards {
    private final long maxBytes;
    private final long maxAgeNanos;
    private List<Entry> entries = new ArrayList<>();
    private long bytes;
    /** When the oldest entry held was received (this member's clock). */
    private long since;

    HeldForwards(long maxBytes, long maxAgeNanos) {
        this.maxBytes = maxBytes;
        this.maxAgeNanos = maxAgeNanos;
    }

    /** Holds {@code e}, received at {@code now}; drops it (returns false) when the byte bound is reached. */
    boolean hold(Entry e, long now) {
        long size = e.getData().size();
        if (!entries.isEmpty() && bytes + size > maxBytes) return false;
        if (entries.isEmpty()) since = now;
        entries.add(e);
        bytes += size;
        return true;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether what is held has waited long enough to be given up at {@code now}. */
    boolean expired(long now) {
        return !entries.isEmpty() && now - since >= maxAgeNanos;
    }

    /** Everything held, in arrival order; nothing is held afterwards, so each entry is handed on at most once. */
    List<Entry> take() {
        List<Entry> out = entries;
        entries = new ArrayList<>();
        bytes = 0;
        return out;
    }
}
