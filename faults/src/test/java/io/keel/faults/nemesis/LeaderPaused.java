package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

/**
 * SIGSTOP of the leader for longer than the election timeout (the fault's whole hold), then SIGCONT: it wakes up
 * believing it leads, with requests queued in its sockets.
 */
public final class LeaderPaused implements Fault {
    private KeelProcess paused;

    @Override
    public String name() {
        return "leader-pause";
    }

    @Override
    public void inject(Nemesis n) {
        paused = n.leader();
        paused.signal("STOP");
        n.note("SIGSTOP leader " + paused.name);
    }

    @Override
    public void heal(Nemesis n) {
        if (paused != null && paused.isRunning()) {
            paused.signal("CONT");
            n.note("SIGCONT " + paused.name);
        }
        paused = null;
    }
}
