package io.keel.server.membership;

import io.keel.transport.PeerAdmission;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The transport's question at every handshake, answered from the replicated member directory: is this member's
 * data directory the one it joined the cluster with? A member whose directory was wiped (or swapped) and that
 * comes back under its old id has forgotten its votes and the entries it acknowledged; counted again, it could
 * help elect a leader that lacks a committed entry, or let an entry count as committed on a majority that never
 * had it (issue 10 B). So it is refused both ways until the operator replaces it with a new member.
 *
 * <p>A member with no incarnation recorded yet (it has not published one, or this member has not applied that
 * entry) is held to the first incarnation it declared to this process: a member acknowledges entries before its
 * publication commits, and a leader keeps that member's match index in memory as long as it lives, so a member
 * wiped in that window must not be taken back by the same leader (it would count entries the member no longer has).
 */
public final class IncarnationCheck implements PeerAdmission {
    private final Supplier<MemberDirectory> directory;
    /** The first incarnation each member without a recorded one declared to this process. */
    private final Map<Long, Long> firstDeclared = new ConcurrentHashMap<>();
    /** The first line of a peer that refused this member as removed from the cluster, or null. */
    private volatile String removedNotice;
    /** Every peer that refused this member as removed: each has applied the removal. */
    private final java.util.Set<Long> removedBy = ConcurrentHashMap.newKeySet();

    public IncarnationCheck(Supplier<MemberDirectory> directory) {
        this.directory = directory;
    }

    @Override
    public boolean isRemoved(long memberId) {
        return directory.get().isRemoved(memberId);
    }

    /**
     * A peer has applied this member's removal (the member itself may never apply it: once the leader applied it,
     * it sends the removed member nothing more, not even the commit index).
     */
    @Override
    public void removedBy(long peerId, String reason) {
        removedBy.add(peerId);
        if (removedNotice == null) removedNotice = reason;
    }

    /** The peers that have refused this member as removed (so have applied its removal), so far. */
    public java.util.Set<Long> peersThatAppliedOurRemoval() {
        return java.util.Collections.unmodifiableSet(removedBy);
    }

    /** What a peer said when it refused this member as removed, or null while none has. */
    public String removedNotice() {
        return removedNotice;
    }

    @Override
    public String refusal(long memberId, long incarnation) {
        MemberDirectory d = directory.get();
        String id = Long.toHexString(memberId);
        if (d.isRemoved(memberId)) {
            return "member " + id + " was removed from the cluster and cannot come back under its id: add it back as a"
                    + " new member (etcdctl member add <name> --peer-urls=<its peer URL> --learner) with an empty data"
                    + " directory";
        }
        MemberInfo m = d.get(memberId);
        if (m == null || m.incarnation() == 0) {
            long first = firstDeclared.computeIfAbsent(memberId, k -> incarnation);
            if (first == incarnation) return null;
            return "member " + id + " declares incarnation " + Long.toHexString(incarnation) + ", but declared "
                    + Long.toHexString(first) + " to this member before the cluster recorded one: its data directory"
                    + " changed while this member was running, so it may have lost data it acknowledged; remove it"
                    + " (etcdctl member remove " + id + ") and add it back as a new member with an empty data directory";
        }
        if (m.incarnation() == incarnation) return null;
        String declared = incarnation == 0 ? "declares no incarnation" : "runs on a data directory of incarnation "
                + Long.toHexString(incarnation);
        return "member " + id + " " + declared + ", but the cluster knows it as incarnation "
                + Long.toHexString(m.incarnation()) + ": its data directory is not the one it joined with (wiped or"
                + " replaced), so it has lost data it acknowledged and must not count as that member; remove it"
                + " (etcdctl member remove " + id + ") and add it back as a new member (etcdctl member add <name>"
                + " --peer-urls=" + (m.peerUrls().isEmpty() ? "<its peer URL>" : m.peerUrls().get(0))
                + " --learner) with an empty data directory";
    }
}
