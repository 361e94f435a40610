package io.keel.raft.read;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a follower forwarded to its leader and not yet answered. Every one ends with an answer: the leader's
 * read index, or a rejection when the leader changes (a new leader never heard of it) or when no answer came
 * within an election timeout (the request or the answer was lost). Without this a client would wait for ever.
 */
public final class ForwardedReads {
    private final Map<Long, Long> sentAt = new LinkedHashMap<>(); // readId -> time forwarded, oldest first

    public void add(long readId, long now) {
        sentAt.put(readId, now);
    }

    /** Whether the answer is for a read still waiting (and forgets it). */
    public boolean answered(long readId) {
        return sentAt.remove(readId) != null;
    }

    /** The reads forwarded at least {@code timeout} ago; they are forgotten. */
    public List<Long> expire(long now, long timeout) {
        List<Long> expired = new ArrayList<>();
        for (Iterator<Map.Entry<Long, Long>> it = sentAt.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Long> e = it.next();
            if (now - e.getValue() < timeout) break; // insertion order is time order
            expired.add(e.getKey());
            it.remove();
        }
        return expired;
    }

    /** Every waiting read; all are forgotten. */
    public List<Long> dropAll() {
        List<Long> all = new ArrayList<>(sentAt.keySet());
        sentAt.clear();
        return all;
    }

    public boolean isEmpty() {
        return sentAt.isEmpty();
    }
}
