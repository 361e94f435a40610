package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

import java.util.List;

/**
 * A member removed with etcd's MemberRemove and a new member added in its place (MemberAdd as a learner, start,
 * MemberPromote), while the clients run. Never the small-disk member, which the disk-full fault needs.
 *
 * <p>Which member: a follower drawn by the seed, unless a member added at runtime is still in the cluster, which is
 * then the one replaced (leader or not). The reason is a limit of Keel's launcher that this suite found: a joining
 * member accepts peer connections only from the members its {@code --initial-cluster} names, and that flag can name
 * a member only by a name whose id derives from it, which a member added at runtime does not have (its id is the
 * one MemberAdd assigned). A member joining a cluster that already holds a runtime-added member therefore refuses
 * that member's connections (UNKNOWN_SENDER), never catches up if it leads, and is never promoted.
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
        KeelProcess drawn = followers.get(n.random.nextInt(followers.size()));
        KeelProcess victim = n.cluster.addedAtRuntime().orElse(drawn);
        n.note("member remove " + victim.name + (victim == leader ? " (leader)" : "") + ", then member add (learner), start, promote a new member");
        KeelProcess added = n.cluster.replace(victim);
        n.note("replaced " + victim.name + " by " + added.name + " (id " + Long.toHexString(n.cluster.id(added))
                + "), promoted");
    }

    @Override
    public void heal(Nemesis n) {
        n.restartStopped();
    }
}
