package io.keel.raft.log;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.ArrayList;
import java.util.List;

/** Small builders shared by the log tests. */
final class LogTestSupport {
    private LogTestSupport() {
    }

    static Entry entry(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).build();
    }

    static Entry entry(long index, long term, int payloadBytes) {
        return Entry.newBuilder().setIndex(index).setTerm(term).setData(ByteString.copyFrom(new byte[payloadBytes]))
                .build();
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

    static List<Long> indexes(List<Entry> entries) {
        return entries.stream().map(Entry::getIndex).toList();
    }

    static List<Long> terms(List<Entry> entries) {
        return entries.stream().map(Entry::getTerm).toList();
    }
}
