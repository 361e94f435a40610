package io.keel.raft.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Requests that arrived while the member knew no leader (just started, an election under way), parked until one is
 * known or their deadline passes, as etcd's clients retry until their deadline instead of failing at once. Raft
 * stage only, so a request is never both run and failed.
 */
final class LeaderWait {
    private record Parked(long deadline, Completion<?> completion, Runnable retry) {
    }

    private List<Parked> parked = new ArrayList<>();

    int size() {
        return parked.size();
    }

    void park(long deadline, Completion<?> completion, Runnable retry) {
        parked.add(new Parked(deadline, completion, retry));
    }

    /** A leader is known: every parked request runs again (and may park again if the leader is lost at once). */
    void leaderKnown() {
        if (parked.isEmpty()) return;
        List<Parked> ready = parked;
        parked = new ArrayList<>();
        for (Parked p : ready) p.retry().run();
    }

    void expire(long now, long memberId) {
        if (parked.isEmpty()) return;
        List<Parked> keep = new ArrayList<>();
        for (Parked p : parked) {
            if (p.completion().ended()) continue; // its caller answered it: forgotten
            if (now - p.deadline() >= 0) {
                p.completion().refused(new Refusal(Refusal.Kind.NO_LEADER, 0, "member " + Long.toHexString(memberId)
                        + " knew no leader before the request's deadline"));
            } else {
                keep.add(p);
            }
        }
        parked = keep;
    }

    void failAll(Refusal refusal) {
        List<Parked> all = parked;
        parked = new ArrayList<>();
        for (Parked p : all) p.completion().refused(refusal);
    }
}
