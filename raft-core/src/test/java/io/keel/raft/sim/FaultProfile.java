package io.keel.raft.sim;

/**
 * A mix of faults for one simulated run. Probabilities are per message (loss, duplication, long delay); the
 * mean intervals say how often a partition, crash, disk stall, process pause, operator action, tick stall, lease
 * edge or leader churn begins (0 = never).
 */
public enum FaultProfile {
    CALM(0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0, 0, false),
    LOSSY(0.05, 0.03, 0.05, 0, 0, 0, 0, 0, false, 0, 0, 0, false),
    PARTITIONS(0.01, 0.01, 0.02, 250, 0, 0, 0, 0, false, 0, 0, 0, false),
    CRASHES(0.01, 0.01, 0.02, 0, 300, 700, 0, 0, false, 0, 0, 0, false),
    /** Process pauses (SIGSTOP) longer than an election timeout, leader crashes and cut links. */
    LEADER_TROUBLE(0.02, 0.05, 0.15, 300, 400, 0, 200, 0, false, 300, 0, 0, false),
    MEMBERSHIP(0.01, 0.01, 0.02, 0, 0, 0, 0, 250, true, 0, 0, 0, false),
    CHAOS(0.05, 0.03, 0.05, 400, 600, 800, 500, 400, true, 500, 900, 900, false),
    /**
     * A busy raft thread next to leases at their bound: ticks late behind messages, clocks at the extremes of the
     * drift bound, and leaders cut off right after a confirmed round while the rest elect over a fast network.
     */
    BUSY_LEASES(0, 0, 0, 0, 0, 0, 0, 0, false, 120, 150, 0, true),
    /**
     * Leaders that append, reach at most one follower and crash, term after term: the interleaving of the thesis's
     * Figure 3.7, where only the rule that a leader commits entries of its own term by counting keeps committed
     * entries from being overwritten.
     */
    CHURN(0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0, 60, false);

    final double loss;
    final double duplication;
    final double longDelay;
    final long meanMillisBetweenPartitions;
    final long meanMillisBetweenCrashes;
    final long meanMillisBetweenDiskStalls;
    final long meanMillisBetweenPauses;
    final long meanMillisBetweenOperatorActions;
    final boolean membershipChanges;
    /** The raft thread is busy: ticks come late while messages are still handled, at the last tick's clock. */
    final long meanMillisBetweenTickStalls;
    /** The leader is cut off right after a round a quorum answered; the others elect over a fast network. */
    final long meanMillisBetweenLeaseEdges;
    /** The leader is left with at most one follower for a moment, then crashes. */
    final long meanMillisBetweenLeaderChurns;
    /** Every member's clock runs at one edge of the drift bound (otherwise about a third of the seeds do). */
    final boolean extremeClocks;

    FaultProfile(double loss, double duplication, double longDelay, long partitions, long crashes, long stalls,
                 long pauses, long operator, boolean membershipChanges, long tickStalls, long leaseEdges,
                 long leaderChurns, boolean extremeClocks) {
        this.meanMillisBetweenPauses = pauses;
        this.loss = loss;
        this.duplication = duplication;
        this.longDelay = longDelay;
        this.meanMillisBetweenPartitions = partitions;
        this.meanMillisBetweenCrashes = crashes;
        this.meanMillisBetweenDiskStalls = stalls;
        this.meanMillisBetweenOperatorActions = operator;
        this.membershipChanges = membershipChanges;
        this.meanMillisBetweenTickStalls = tickStalls;
        this.meanMillisBetweenLeaseEdges = leaseEdges;
        this.meanMillisBetweenLeaderChurns = leaderChurns;
        this.extremeClocks = extremeClocks;
    }
}
