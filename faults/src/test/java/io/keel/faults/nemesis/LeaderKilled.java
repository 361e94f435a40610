package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

/** kill -9 of the leader; the heal restarts it on its data. */
public final class LeaderKilled implements Fault {
    @Override
    public String name() {
        return "leader-kill-9";
    }

    @Override
    public void inject(Nemesis n) {
        KeelProcess leader = n.leader();
        leader.kill9();
        n.note("kill -9 leader " + leader.name);
    }

    @Override
    public void heal(Nemesis n) {
        n.restartStopped();
    }
}
