package io.keel.storage.log;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Small builders shared by this package's tests. */
final class LogFixtures {
    static final long CLUSTER = 0x6b65656cL;

    private LogFixtures() {
    }

    /** An entry whose payload says where it belongs, so a misplaced or mixed-up entry shows. */
    static Entry entry(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).setData(payload(index, term)).build();
    }

    static ByteString payload(long index, long term) {
        return ByteString.copyFrom("entry " + index + " of term " + term, StandardCharsets.UTF_8);
    }

    /** Entries first, first+1, ... with the given terms. */
    static List<Entry> entries(long first, long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) out.add(entry(first + i, terms[i]));
        return out;
    }

    static SnapshotMetadata snapshot(long index, long term, long... voters) {
        ConfState.Builder cs = ConfState.newBuilder();
        for (long v : voters) cs.addVoters(v);
        return SnapshotMetadata.newBuilder().setIndex(index).setTerm(term).setConfState(cs).build();
    }

    static ConfState voters(long... ids) {
        ConfState.Builder cs = ConfState.newBuilder();
        for (long v : ids) cs.addVoters(v);
        return cs.build();
    }
}
