package io.keel.benchmarks;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Log entries of the benchmarks: 256 random bytes of payload. */
final class Entries {
    static final int PAYLOAD_BYTES = 256;

    private Entries() {
    }

    static ByteString payload(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return ByteString.copyFrom(b);
    }

    /** {@code count} consecutive entries of {@code term} from {@code firstIndex}. */
    static List<Entry> batch(long firstIndex, int count, long term, ByteString payload) {
        List<Entry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(Entry.newBuilder().setTerm(term).setIndex(firstIndex + i).setType(EntryType.ENTRY_NORMAL)
                    .setData(payload).build());
        }
        return out;
    }
}
