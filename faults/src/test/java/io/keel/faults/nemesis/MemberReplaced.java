package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

import java.util.List;

/**
 * A follower removed with etcd's MemberRemove and a new member added in its place (MemberAdd as a learner, start,
 * MemberPromote), while the clients run. Never the small-disk member, which the disk-full fault needs.
 */
public final class MemberReplaced implements Fault {
    @Override
    public String name() {
        return "member-replaced";
    }

    @Override
    public void inject(Nemesis n) {
        KeelProcess leader = n.leader();
        List<KeelProcess> followers = n.others(leader).stream().filter(m -> m != n.cluster.smallDiskMember())
                .toList();
        KeelProcess victim = followers.get(n.random.nextInt(followers.size()));
        n.note("member remove " + victim.name + ", then member add (learner), start, promote a new member");
        KeelProcess added = n.cluster.replace(victim);
        n.note("replaced " + victim.name + " by " + added.name + " (id " + Long.toHexString(n.cluster.id(added))
                + "), promoted");
    }

    @Override
    public void heal(Nemesis n) {
        n.restartStopped();
    }
}
