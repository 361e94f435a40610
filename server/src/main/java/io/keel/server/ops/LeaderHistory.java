package io.keel.server.ops;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Term and leader as each member reported them, over the last {@link #WINDOW_MILLIS}: one entry whenever a member's
 * (term, leader) differs from what it reported before. This member's own changes come from its raft thread as they
 * happen; the others' from each time they are asked (so a change between two refreshes of the page may be missed).
 *
 * <p>Raft allows at most one leader per term, so two members naming different leaders for the same term is never a
 * matter of timing: it is a safety failure (or two clusters sharing members' addresses) and is reported loudly.
 */
public final class LeaderHistory {
    static final long WINDOW_MILLIS = 10 * 60_000;
    static final int MAX_ENTRIES = 500;
    /**
     * The observer id under which a member records its own reports: its events start before anything knows its id
     * (member ids are never 0), and the view it serves names it.
     */
    public static final long SELF = 0;

    /** @param leader 0 for none known */
    public record Entry(long at, long observer, long term, long leader) {
    }

    /** @param saidBy for each leader named for the term, the members that named it */
    public record Disagreement(long term, Map<Long, List<Long>> saidBy) {
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final Map<Long, Entry> last = new HashMap<>();

    /** Records what {@code observer} reports at {@code at} (epoch ms) if it differs from its previous report. */
    public synchronized void record(long at, long observer, long term, long leader) {
        Entry prev = last.get(observer);
        if (prev != null && prev.term() == term && prev.leader() == leader) return;
        Entry e = new Entry(at, observer, term, leader);
        last.put(observer, e);
        entries.addLast(e);
        trim(at);
    }

    /** The entries of the window, oldest first. */
    public synchronized List<Entry> entries(long now) {
        trim(now);
        return List.copyOf(entries);
    }

    /** Terms of the window for which members named different leaders (an unknown leader never disagrees). */
    public synchronized List<Disagreement> disagreements(long now) {
        trim(now);
        Map<Long, Map<Long, TreeSet<Long>>> byTerm = new TreeMap<>();
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(last.values()); // a member's latest report counts even when it is older than the window
        for (Entry e : all) {
            if (e.leader() == 0) continue;
            byTerm.computeIfAbsent(e.term(), t -> new TreeMap<>())
                    .computeIfAbsent(e.leader(), l -> new TreeSet<>()).add(e.observer());
        }
        List<Disagreement> out = new ArrayList<>();
        byTerm.forEach((term, leaders) -> {
            if (leaders.size() < 2) return;
            Map<Long, List<Long>> saidBy = new TreeMap<>();
            leaders.forEach((l, observers) -> saidBy.put(l, List.copyOf(observers)));
            out.add(new Disagreement(term, saidBy));
        });
        return out;
    }

    private void trim(long now) {
        while (!entries.isEmpty()
                && (entries.size() > MAX_ENTRIES || entries.peekFirst().at() < now - WINDOW_MILLIS)) {
            entries.removeFirst();
        }
    }
}
