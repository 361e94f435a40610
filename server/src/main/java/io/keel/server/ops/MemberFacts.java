package io.keel.server.ops;

import io.keel.server.etcd.proto.StatusResponse;
import io.keel.server.membership.MemberInfo;

import java.util.List;

/**
 * One member as another (or the same) member, or {@code keel status}, found it: what it said about itself over
 * etcd's Maintenance.Status, with its name and URLs from the member directory. A member that did not answer has only
 * its directory entry and {@link #error}.
 *
 * @param role        leader, follower, learner, candidate, pre-candidate, "no leader" (a member that answered but
 *                    knows no leader: a follower or candidate, Status does not say which), or unreachable
 * @param leaderId    the leader this member reported, 0 for none
 * @param commitIndex the highest index it knows to be committed (etcd's raft_index)
 * @param alarms      etcd's Status errors other than "no leader" (the raised alarms), and a local failure
 * @param error       why it could not be asked, null when it answered
 * @param answeredAt  when it last answered, epoch ms; 0 if it never did since this view began
 */
public record MemberFacts(long id, String name, String role, long term, long leaderId, long commitIndex,
                          long appliedIndex, boolean learner, List<String> clientUrls, List<String> peerUrls,
                          List<String> alarms, String error, long answeredAt) {
    static final String NO_LEADER = "etcdserver: no leader";

    public MemberFacts {
        clientUrls = List.copyOf(clientUrls);
        peerUrls = List.copyOf(peerUrls);
        alarms = List.copyOf(alarms);
    }

    /** What {@code info}'s member answered to Status at {@code now}. */
    public static MemberFacts answered(MemberInfo info, StatusResponse s, long now) {
        long id = s.getHeader().getMemberId();
        String role = s.getLeader() == 0 ? "no leader"
                : s.getLeader() == id ? "leader" : s.getIsLearner() ? "learner" : "follower";
        List<String> alarms = s.getErrorsList().stream().filter(e -> !e.equals(NO_LEADER)).toList();
        return new MemberFacts(id, info.name(), role, s.getRaftTerm(), s.getLeader(), s.getRaftIndex(),
                s.getRaftAppliedIndex(), s.getIsLearner(), info.clientUrls(), info.peerUrls(), alarms, null, now);
    }

    /** A member that could not be asked: its directory entry, why, and when it last answered (0: never). */
    public static MemberFacts unreachable(MemberInfo info, String why, long lastAnswered) {
        return new MemberFacts(info.id(), info.name(), "unreachable", 0, 0, 0, 0, info.learner(), info.clientUrls(),
                info.peerUrls(), List.of(), why, lastAnswered);
    }

    public boolean reached() {
        return error == null;
    }

    /** healthy, "no leader", alarm, or unreachable: what an operator checks first. */
    public String health() {
        if (!reached()) return "unreachable";
        if (!alarms.isEmpty()) return "alarm";
        if (leaderId == 0) return "no leader";
        return "healthy";
    }

    /** The name, or the id in hex for a member that has not announced a name yet. */
    public String displayName() {
        return name.isEmpty() ? Long.toHexString(id) : name;
    }
}
