package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

/**
 * SIGSTOP of one member for the fault's whole hold, then SIGCONT: which member, the subclass says. The process
 * wakes up with its old view of the cluster and requests queued in its sockets.
 */
abstract class ProcessPaused implements Fault {
    private KeelProcess paused;

    /** The member to pause, and how the timeline names it ("leader", "follower"). */
    abstract KeelProcess pick(Nemesis n);

    abstract String role();

    @Override
    public final void inject(Nemesis n) {
        paused = pick(n);
        paused.signal("STOP");
        n.note("SIGSTOP " + role() + " " + paused.name);
    }

    @Override
    public final void heal(Nemesis n) {
        if (paused != null && paused.isRunning()) {
            paused.signal("CONT");
            n.note("SIGCONT " + paused.name);
        }
        paused = null;
    }
}
