package io.keel.server.membership;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.server.proto.MemberDirectoryRecord;
import io.keel.server.proto.MemberRecord;
import io.keel.server.proto.MembershipContext;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The members of the cluster as of some applied index, immutable. Every member derives it from the same committed
 * entries in the same order, so all agree; each change returns a new directory. Changes never fail: what Raft
 * committed is recorded as it is (the leader checked it before proposing), so the directory follows Raft's
 * configuration exactly.
 */
public final class MemberDirectory {
    public static final MemberDirectory EMPTY = new MemberDirectory(new TreeMap<>(), new TreeSet<>());

    private final TreeMap<Long, MemberInfo> members;
    private final TreeSet<Long> removed;

    private MemberDirectory(TreeMap<Long, MemberInfo> members, TreeSet<Long> removed) {
        this.members = members;
        this.removed = removed;
    }

    /** The members, by id. */
    public List<MemberInfo> members() {
        return List.copyOf(members.values());
    }

    public MemberInfo get(long id) {
        return members.get(id);
    }

    public boolean isRemoved(long id) {
        return removed.contains(id);
    }

    public Set<Long> removed() {
        return Collections.unmodifiableSet(removed);
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    public long learners() {
        return members.values().stream().filter(MemberInfo::learner).count();
    }

    /** The member other than {@code except} that already uses one of {@code urls} as a peer URL, or null. */
    public MemberInfo peerUrlOwner(List<String> urls, long except) {
        for (MemberInfo m : members.values()) {
            if (m.id() == except) continue;
            for (String u : urls) if (m.peerUrls().contains(u)) return m;
        }
        return null;
    }

    // ------------------------------------------------------------------ changes (applied in log order)

    /** A committed membership change, with the records of the members it adds in its context. */
    MemberDirectory withConfChange(ConfChange change) {
        Map<Long, MemberRecord> added = new HashMap<>();
        if (!change.getContext().isEmpty()) {
            try {
                for (MemberRecord r : MembershipContext.parseFrom(change.getContext()).getMembersList()) {
                    added.put(r.getId(), r);
                }
            } catch (InvalidProtocolBufferException e) {
                // Recorded without addresses rather than refused: Raft has applied the change already.
                added.clear();
            }
        }
        TreeMap<Long, MemberInfo> next = new TreeMap<>(members);
        TreeSet<Long> nextRemoved = new TreeSet<>(removed);
        for (ConfChangeSingle single : change.getChangesList()) {
            long id = single.getMemberId();
            switch (single.getType()) {
                case ADD_VOTER, ADD_LEARNER -> {
                    boolean learner = single.getType() == io.keel.raft.proto.ConfChangeType.ADD_LEARNER;
                    MemberInfo existing = next.get(id);
                    if (existing != null) {
                        next.put(id, existing.withLearner(learner));
                    } else {
                        MemberRecord r = added.get(id);
                        next.put(id, r == null ? new MemberInfo(id, "", List.of(), List.of(), learner)
                                : new MemberInfo(id, r.getName(), r.getPeerUrlsList(), r.getClientUrlsList(), learner));
                    }
                }
                case REMOVE_MEMBER -> {
                    next.remove(id);
                    nextRemoved.add(id);
                }
                default -> { }
            }
        }
        return new MemberDirectory(next, nextRemoved);
    }

    /** A member's own announcement; ignored for a member not (or no longer) in the directory. */
    MemberDirectory withAttributes(long id, String name, List<String> clientUrls) {
        MemberInfo m = members.get(id);
        if (m == null) return this;
        TreeMap<Long, MemberInfo> next = new TreeMap<>(members);
        next.put(id, m.withAttributes(name, clientUrls));
        return new MemberDirectory(next, removed);
    }

    /** etcd's MemberUpdate; ignored for a member not (or no longer) in the directory. */
    MemberDirectory withPeerUrls(long id, List<String> peerUrls) {
        MemberInfo m = members.get(id);
        if (m == null) return this;
        TreeMap<Long, MemberInfo> next = new TreeMap<>(members);
        next.put(id, m.withPeerUrls(peerUrls));
        return new MemberDirectory(next, removed);
    }

    /**
     * A member's publication of the incarnation it joined with. Recorded only while none is recorded for it: the
     * first one committed is the directory the member acknowledged entries and votes from, and a later one can only
     * come from a directory made since (wiped, replaced), which must not take its place. Applying it twice changes
     * nothing. Ignored for a member not (or no longer) in the directory, and for 0 ("none").
     */
    MemberDirectory withIncarnation(long id, long incarnation) {
        MemberInfo m = members.get(id);
        if (m == null || m.incarnation() != 0 || incarnation == 0) return this;
        TreeMap<Long, MemberInfo> next = new TreeMap<>(members);
        next.put(id, m.withIncarnation(incarnation));
        return new MemberDirectory(next, removed);
    }

    // ------------------------------------------------------------------ encoding

    public byte[] encode() {
        MemberDirectoryRecord.Builder b = MemberDirectoryRecord.newBuilder();
        members.values().forEach(m -> b.addMembers(record(m)));
        b.addAllRemoved(removed);
        return b.build().toByteArray();
    }

    /** The directory in the store's cluster record; null (never written) is the empty directory. */
    public static MemberDirectory decode(byte[] bytes) {
        if (bytes == null) return EMPTY;
        MemberDirectoryRecord r;
        try {
            r = MemberDirectoryRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the store's cluster record is not a member directory", e);
        }
        TreeMap<Long, MemberInfo> members = new TreeMap<>();
        for (MemberRecord m : r.getMembersList()) {
            members.put(m.getId(), new MemberInfo(m.getId(), m.getName(), m.getPeerUrlsList(),
                    m.getClientUrlsList(), m.getLearner(), m.getIncarnation()));
        }
        return new MemberDirectory(members, new TreeSet<>(r.getRemovedList()));
    }

    static MemberRecord record(MemberInfo m) {
        return MemberRecord.newBuilder().setId(m.id()).setName(m.name()).addAllPeerUrls(m.peerUrls())
                .addAllClientUrls(m.clientUrls()).setLearner(m.learner()).setIncarnation(m.incarnation()).build();
    }

    /** The context of a change adding {@code member}. */
    static ByteString context(MemberInfo member) {
        return MembershipContext.newBuilder().addMembers(record(member)).build().toByteString();
    }

    /**
     * The context of a new cluster's first entry: the initial members and their peer URLs, the same bytes on every
     * initial member (ordered by id).
     */
    public static byte[] initialContext(Map<Long, InetSocketAddress> initialCluster) {
        MembershipContext.Builder b = MembershipContext.newBuilder();
        new TreeMap<>(initialCluster).forEach((id, addr) -> b.addMembers(MemberRecord.newBuilder().setId(id)
                .addPeerUrls(PeerUrls.text(addr))));
        return b.build().toByteArray();
    }

    /** As {@link #initialContext}, from each member's peer URLs as given (several, any scheme etcd accepts). */
    public static byte[] initialContextFromUrls(Map<Long, List<String>> initialPeerUrls) {
        MembershipContext.Builder b = MembershipContext.newBuilder();
        new TreeMap<>(initialPeerUrls).forEach((id, urls) -> b.addMembers(MemberRecord.newBuilder().setId(id)
                .addAllPeerUrls(urls)));
        return b.build().toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemberDirectory d && d.members.equals(members) && d.removed.equals(removed);
    }

    @Override
    public int hashCode() {
        return members.hashCode() * 31 + removed.hashCode();
    }

    @Override
    public String toString() {
        return new ArrayList<>(members.values()) + (removed.isEmpty() ? "" : " removed " + removed);
    }
}
