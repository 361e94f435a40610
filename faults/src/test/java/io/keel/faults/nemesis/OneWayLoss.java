package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

/**
 * Everything one member (the leader, or a follower) sends to its peers is dropped, what they send it still
 * arrives. Its TCP connections stall both ways soon after, as acknowledgements are lost too.
 */
public final class OneWayLoss implements Fault {
    @Override
    public String name() {
        return "one-way-loss";
    }

    @Override
    public void inject(Nemesis n) {
        KeelProcess leader = n.leader();
        KeelProcess victim = n.random.nextBoolean() ? leader
                : n.others(leader).get(n.random.nextInt(n.others(leader).size()));
        for (KeelProcess o : n.others(victim)) n.net.drop(victim.slot, o.slot);
        n.note("drop everything " + victim.name + (victim == leader ? " (leader)" : "") + " sends to its peers: "
                + n.net.describeCuts());
    }

    @Override
    public void heal(Nemesis n) {
        n.net.heal();
        n.note("heal the network");
    }
}
