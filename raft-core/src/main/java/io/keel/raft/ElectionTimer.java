package io.keel.raft;

import java.util.SplittableRandom;

/**
 * A member's election timer (randomized between one and two election timeouts, thesis §3.4) and the lease guard's
 * memory of when it last heard from a leader. Pure bookkeeping on the caller's clock: {@link RaftNode} decides what
 * firing means (a pre-vote, or waiting on for the guard) and when a leader was heard.
 */
final class ElectionTimer {
    private final long electionTimeout;
    /** The only source of the timer's randomness: the draws, and their order, decide the simulation's runs. */
    private final SplittableRandom random;
    private long resetAt;
    private long randomizedTimeout;
    /** When this member last heard from a leader (on its own clock), for the lease guard. */
    private long heardFromLeaderAt = Long.MIN_VALUE / 2;
    /**
     * Heard from a leader since the last tick. The lease guard then counts from the next tick's time, which is
     * never earlier than the real arrival, so the guard is never shorter than the leader assumes.
     */
    private boolean heardSinceLastTick;

    ElectionTimer(RaftConfig config, long now) {
        this.electionTimeout = config.electionTimeout();
        this.random = new SplittableRandom(config.randomSeed());
        // After a restart this member may have acknowledged a leader's round just before it went down and
        // forgotten it: it behaves as if it had just heard from a leader, so it cannot break that leader's lease.
        this.heardSinceLastTick = true;
        reset(now);
    }

    /** Starts the timer again from {@code now} with a new random timeout. */
    void reset(long now) {
        resetAt = now;
        randomizedTimeout = electionTimeout + random.nextLong(electionTimeout);
    }

    /** A leader was heard (an append, heartbeat or snapshot of the current term): the timer starts again. */
    void heardFromLeader(long now) {
        heardSinceLastTick = true;
        reset(now);
    }

    /** A tick at {@code now}: what was heard since the last one counts as heard now (see heardSinceLastTick). */
    void ticked(long now) {
        if (heardSinceLastTick) {
            heardFromLeaderAt = now;
            heardSinceLastTick = false;
        }
    }

    boolean due(long now) {
        return now - resetAt >= randomizedTimeout;
    }

    /**
     * Whether a leader may be relying on this member's acknowledgement for its lease: it heard from one since the
     * last tick, or less than an election timeout before it (see TermRules, and RaftNode.tick for the timer).
     */
    boolean leaderMayCountOnThisMember(long now) {
        return heardSinceLastTick || now - heardFromLeaderAt < electionTimeout;
    }

    /** The guard held the timer back: it starts again from when a leader was last heard, with a new timeout. */
    void restartFromLastHeard() {
        resetAt = heardFromLeaderAt;
        randomizedTimeout = electionTimeout + random.nextLong(electionTimeout);
    }
}
