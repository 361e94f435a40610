package io.keel.server.lease;

import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.NoOp;
import io.keel.storage.mvcc.api.NoOpResponse;

/** Entries a lessor under test is told applied, as the apply thread would tell it. */
final class LessorEntries {
    private LessorEntries() {
    }

    /** {@code l}'s member leads in {@code term}, and its empty entry applied at {@code index}: it is primary. */
    static void lead(Lessor l, MvccStore store, long index, long term) {
        l.leadershipChanged(new SoftState(Role.LEADER, 1, term));
        l.applied(store, Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(index).setTerm(term).build(),
                NoOp.INSTANCE, new ApplyResult(index, new NoOpResponse(0), null));
        if (!l.isPrimary()) throw new AssertionError("not primary after its empty entry applied");
    }

    /** Lease {@code id} of {@code ttl} seconds granted by the entry at {@code index} (term 2). */
    static void granted(Lessor l, MvccStore store, long index, long id, long ttl) {
        l.applied(store, Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(index).setTerm(2).build(),
                new LeaseGrantRequest(id, ttl), new ApplyResult(index, new LeaseGrantResponse(0, id, ttl), null));
    }
}
