package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

/** The leader cut from every other member (clients still reach it): the rest must elect, it must not serve. */
public final class LeaderIsolated implements Fault {
    @Override
    public String name() {
        return "leader-isolated";
    }

    @Override
    public void inject(Nemesis n) {
        KeelProcess leader = n.leader();
        for (KeelProcess o : n.others(leader)) n.net.cut(leader.slot, o.slot);
        n.note("isolate leader " + leader.name + ": " + n.net.describeCuts());
    }

    @Override
    public void heal(Nemesis n) {
        n.net.heal();
        n.note("heal the network");
    }
}
