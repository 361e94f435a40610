package io.keel.server.ops;

import java.util.HashMap;
import java.util.Map;

/**
 * Notices a member whose applied index stops moving while it is behind: each member's applied index is remembered
 * with the time it was last seen moving or caught up. A quiet cluster applies nothing either, so standing still alone
 * means nothing; standing still for {@link #STUCK_AFTER_MILLIS} while behind what the leader has committed does (a
 * stuck apply thread, a full disk, a member cut off from the leader but still answering).
 */
final class AppliedProgress {
    static final long STUCK_AFTER_MILLIS = 10_000;

    private record Seen(long applied, long since) {
    }

    private final Map<Long, Seen> seen = new HashMap<>();

    /**
     * Records {@code applied} for {@code member} at {@code now}; returns for how many ms it has stood still while
     * behind {@code leaderCommit}, or 0 when it moved or is not behind.
     */
    synchronized long stuckFor(long member, long applied, long leaderCommit, long now) {
        Seen s = seen.get(member);
        // The clock runs from the last time the member was seen caught up or moving: a quiet cluster's members
        // stand still for hours, and the first write after that must not count the hours.
        if (s == null || s.applied() != applied || applied >= leaderCommit) {
            seen.put(member, new Seen(applied, now));
            return 0;
        }
        long still = now - s.since();
        return still >= STUCK_AFTER_MILLIS ? still : 0;
    }
}
