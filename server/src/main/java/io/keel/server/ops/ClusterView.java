package io.keel.server.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster as one observer found it at one moment: every member's facts, the warnings they add up to, and the
 * term/leader history the observer has kept. Served as JSON by the ops port ({@code /cluster.json}) and printed by
 * {@code keel status}.
 *
 * @param servedBy  the member whose view this is, 0 for {@code keel status}
 * @param peerLinks member id to "connected"/"down": the observer's own peer connection to it (members only)
 * @param history   term/leader reports, oldest first, observers by id (never {@link LeaderHistory#SELF})
 */
public record ClusterView(long at, long servedBy, long clusterId, List<MemberFacts> members,
                          Map<Long, String> peerLinks, List<String> warnings, List<LeaderHistory.Entry> history) {
    public ClusterView {
        members = List.copyOf(members);
        peerLinks = Map.copyOf(peerLinks);
        warnings = List.copyOf(warnings);
        history = List.copyOf(history);
    }

    /**
     * The leader whose word counts: the one the observer itself follows when it answered, else the reachable member
     * in the highest term that says it leads.
     */
    public Optional<MemberFacts> leader() {
        Optional<MemberFacts> self = member(servedBy).filter(MemberFacts::reached);
        if (self.isPresent() && self.get().leaderId() != 0) {
            Optional<MemberFacts> followed = member(self.get().leaderId()).filter(MemberFacts::reached);
            if (followed.isPresent()) return followed;
        }
        return members.stream().filter(m -> m.reached() && m.leaderId() == m.id())
                .max((a, b) -> Long.compare(a.term(), b.term()));
    }

    /** How far {@code m}'s applied index is behind the leader's commit index; -1 when either is unknown. */
    public long lag(MemberFacts m) {
        if (!m.reached()) return -1;
        return leader().map(l -> Math.max(0, l.commitIndex() - m.appliedIndex())).orElse(-1L);
    }

    public Optional<MemberFacts> member(long id) {
        return members.stream().filter(m -> m.id() == id).findFirst();
    }

    /** The member's name, or its id in hex if it is not in the view or has no name yet; "none" for 0. */
    public String nameOf(long id) {
        if (id == 0) return "none";
        return member(id).map(MemberFacts::displayName).orElse(Long.toHexString(id));
    }

    public List<MemberFacts> unreachable() {
        List<MemberFacts> out = new ArrayList<>();
        for (MemberFacts m : members) if (!m.reached()) out.add(m);
        return out;
    }
}
