package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

import java.util.List;

/**
 * SIGSTOP of a follower for the fault's whole hold (a long GC pause, a stalled VM), then SIGCONT: it wakes up far
 * behind the leader it still knows, with client requests queued in its sockets. Its reads are confirmed by that
 * leader within one round trip, long before the thousands of entries it missed are appended and applied, so this is
 * the fault under which a member that answers a confirmed read before applying up to it shows.
 */
public final class FollowerPaused extends ProcessPaused {
    @Override
    public String name() {
        return "follower-pause";
    }

    @Override
    KeelProcess pick(Nemesis n) {
        List<KeelProcess> followers = n.others(n.leader());
        return followers.get(n.random.nextInt(followers.size()));
    }

    @Override
    String role() {
        return "follower";
    }
}
