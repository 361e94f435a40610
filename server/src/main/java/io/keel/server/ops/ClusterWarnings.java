package io.keel.server.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What an operator must not miss, worded for the cluster page and {@code keel status}: members naming different
 * leaders for one term (never legitimate in Raft), more than one member saying it leads, a member whose applied
 * index stands still while behind, and no leader at all. Unreachable members are listed apart, not here.
 */
public final class ClusterWarnings {
    private ClusterWarnings() {
    }

    /**
     * @param stuckFor member id to how long (ms) its applied index has stood still while behind (only members
     *                 for which it is over the threshold)
     */
    public static List<String> of(List<MemberFacts> members, List<LeaderHistory.Disagreement> disagreements,
                           Map<Long, Long> stuckFor, java.util.function.LongFunction<String> name) {
        List<String> out = new ArrayList<>();
        for (LeaderHistory.Disagreement d : disagreements) {
            String who = new java.util.TreeMap<>(d.saidBy()).entrySet().stream() // by leader id: a stable text
                    .map(e -> e.getValue().stream().map(name::apply).collect(Collectors.joining(", "))
                            + (e.getValue().size() == 1 ? " says " : " say ") + name.apply(e.getKey()))
                    .collect(Collectors.joining("; "));
            out.add("LEADER DISAGREEMENT in term " + d.term() + ": " + who
                    + ". Raft allows one leader per term: treat this cluster's answers as suspect");
        }
        List<MemberFacts> selfLeaders = members.stream().filter(m -> m.reached() && m.leaderId() == m.id()).toList();
        if (selfLeaders.size() > 1) {
            out.add("MORE THAN ONE MEMBER SAYS IT LEADS: " + selfLeaders.stream()
                    .map(m -> name.apply(m.id()) + " (term " + m.term() + ")").collect(Collectors.joining(", "))
                    + (selfLeaders.stream().map(MemberFacts::term).distinct().count() == selfLeaders.size()
                    ? ". Only the one in the highest term can commit; the others have not heard of it yet"
                    : ". Two of them in one term: Raft forbids it"));
        }
        stuckFor.forEach((id, ms) -> out.add("APPLIED INDEX STUCK: " + name.apply(id) + "'s applied index has not"
                + " moved for " + (ms / 1000) + " s while it is behind the leader's commit index"));
        boolean anyReached = members.stream().anyMatch(MemberFacts::reached);
        if (anyReached && members.stream().filter(MemberFacts::reached).allMatch(m -> m.leaderId() == 0)) {
            out.add("NO LEADER: no member that answered knows a leader; the cluster takes no writes");
        }
        return out;
    }
}
