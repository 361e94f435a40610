package io.keel.raft.sim;

/**
 * A mix of faults for one simulated run. Probabilities are per message (loss, duplication, long delay); the
 * mean intervals say how often a partition, crash, disk stall, process pause or operator action begins (0 = never).
 */
public enum FaultProfile {
    CALM(0, 0, 0, 0, 0, 0, 0, 0, false),
    LOSSY(0.05, 0.03, 0.05, 0, 0, 0, 0, 0, false),
    PARTITIONS(0.01, 0.01, 0.02, 250, 0, 0, 0, 0, false),
    CRASHES(0.01, 0.01, 0.02, 0, 300, 700, 0, 0, false),
    /** Process pauses (SIGSTOP) longer than an election timeout, leader crashes and cut links. */
    LEADER_TROUBLE(0.02, 0.05, 0.15, 300, 400, 0, 200, 0, false),
    MEMBERSHIP(0.01, 0.01, 0.02, 0, 0, 0, 0, 250, true),
    CHAOS(0.05, 0.03, 0.05, 400, 600, 800, 500, 400, true);

    final double loss;
    final double duplication;
    final double longDelay;
    final long meanMillisBetweenPartitions;
    final long meanMillisBetweenCrashes;
    final long meanMillisBetweenDiskStalls;
    final long meanMillisBetweenPauses;
    final long meanMillisBetweenOperatorActions;
    final boolean membershipChanges;

    FaultProfile(double loss, double duplication, double longDelay, long partitions, long crashes, long stalls,
                 long pauses, long operator, boolean membershipChanges) {
        this.meanMillisBetweenPauses = pauses;
        this.loss = loss;
        this.duplication = duplication;
        this.longDelay = longDelay;
        this.meanMillisBetweenPartitions = partitions;
        this.meanMillisBetweenCrashes = crashes;
        this.meanMillisBetweenDiskStalls = stalls;
        this.meanMillisBetweenOperatorActions = operator;
        this.membershipChanges = membershipChanges;
    }
}
