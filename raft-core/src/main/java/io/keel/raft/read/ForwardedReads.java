package io.keel.raft.read;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Reads a follower forwarded to its leader and not yet answered. Every one ends with an answer: the leader's
 * read index, or a rejection when the leader changes (a new leader never heard of it) or when no answer came
 * within an election timeout (the request or the answer was lost). Without this a client would wait for ever.
 *
 * <p>A read is forwarded under an id of its own (the wire id), not the caller's read id: callers number their
 * reads from 1 again when they restart, and an answer to the previous incarnation's read 1 (in the same term,
 * delayed in the network or sent late by the leader) would otherwise answer the new read 1 with an old, too low
 * read index: a stale read (simulation seed 38017). Wire ids start at a salt drawn for each instance.
 */
public final class ForwardedReads {
    private record Waiting(long readId, long sentAt) {
    }

    private final Map<Long, Waiting> byWireId = new LinkedHashMap<>(); // oldest first
    private final long salt;
    private long sent;

    public ForwardedReads(long salt) {
        this.salt = salt;
    }

    /** Records a forwarded read; returns the id to send it under. */
    public long add(long readId, long now) {
        long wireId = salt + ++sent;
        byWireId.put(wireId, new Waiting(readId, now));
        return wireId;
    }

    /** The caller's read id the answer with {@code wireId} is for, if still waiting (and forgets it). */
    public OptionalLong answered(long wireId) {
        Waiting w = byWireId.remove(wireId);
        return w == null ? OptionalLong.empty() : OptionalLong.of(w.readId());
    }

    /** The reads forwarded at least {@code timeout} ago (their read ids); they are forgotten. */
    public List<Long> expire(long now, long timeout) {
        List<Long> expired = new ArrayList<>();
        for (Iterator<Waiting> it = byWireId.values().iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (now - w.sentAt() < timeout) break; // insertion order is time order
            expired.add(w.readId());
            it.remove();
        }
        return expired;
    }

    /** Every waiting read; all are forgotten. */
    public List<Long> dropAll() {
        List<Long> all = new ArrayList<>();
        for (Waiting w : byWireId.values()) all.add(w.readId());
        byWireId.clear();
        return all;
    }
}
