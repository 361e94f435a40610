package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

/**
 * SIGSTOP of the leader for longer than the election timeout (the fault's whole hold), then SIGCONT: it wakes up
 * believing it leads, with requests queued in its sockets.
 */
public final class LeaderPaused extends ProcessPaused {
    @Override
    public String name() {
        return "leader-pause";
    }

    @Override
    KeelProcess pick(Nemesis n) {
        return n.leader();
    }

    @Override
    String role() {
        return "leader";
    }
}
