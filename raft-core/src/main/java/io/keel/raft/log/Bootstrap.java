package io.keel.raft.log;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.HardState;

/**
 * How a new cluster starts: every initial member writes the same first entry (index 1, term 1) naming the initial
 * voters, marked committed. Identical on every member, so it needs no election to be agreed on, and members that
 * join later receive it like any other entry.
 */
public final class Bootstrap {
    private Bootstrap() {
    }

    public static Entry initialEntry(long... voters) {
        return initialEntry(ByteString.EMPTY, voters);
    }

    /**
     * As {@link #initialEntry(long...)}, with the server's opaque {@code context} in the change (the initial members'
     * addresses): every initial member must pass the same bytes.
     */
    public static Entry initialEntry(ByteString context, long... voters) {
        if (voters.length == 0) throw new IllegalArgumentException("a cluster needs at least one voter");
        ConfChange.Builder cc = ConfChange.newBuilder().setContext(context);
        for (long v : voters) {
            cc.addChanges(ConfChangeSingle.newBuilder().setType(ConfChangeType.ADD_VOTER).setMemberId(v));
        }
        return Entry.newBuilder().setIndex(1).setTerm(1).setType(EntryType.ENTRY_CONF_CHANGE)
                .setData(cc.build().toByteString()).build();
    }

    public static HardState initialHardState() {
        return HardState.newBuilder().setTerm(1).setCommit(1).build();
    }
}
