package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

/**
 * SIGSTOP of a follower for the fault's whole hold (a long GC pause, a stalled VM), then SIGCONT: it wakes up far
 * behind the leader it still knows, with client requests queued in its sockets. Its reads are confirmed by that
 * leader within one round trip, long before the thousands of entries it missed are appended and applied, so this is
 * the fault under which a member that answers a confirmed read before applying up to it shows.
 */
public final class FollowerPaused implements Fault {
    private KeelProcess paused;

    @Override
    public String name() {
        return "follower-pause";
    }

    @Override
    public void inject(Nemesis n) {
        KeelProcess leader = n.leader();
        paused = n.others(leader).get(n.random.nextInt(n.others(leader).size()));
        paused.signal("STOP");
        n.note("SIGSTOP follower " + paused.name);
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
