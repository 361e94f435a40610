package io.keel.server.member;

import io.keel.server.ProposalLostException;
import io.keel.storage.mvcc.MvccException;
import io.keel.storage.mvcc.Response;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Writes appended to the leader's log, waiting for the entry at their index to apply. A write took effect iff the
 * entry applied at its index has its term (ProposeResult.Accepted): an entry of another term there means it was
 * lost with a leadership change.
 *
 * <p>Registered on the raft thread right after {@code propose}, resolved on the apply thread; an entry can only
 * apply after a later Ready, so registration always comes first. Futures complete on the apply thread: callers
 * must not block in their callbacks (Keel waits on its own thread instead).
 */
final class Proposals {
    private record Waiting(long term, CompletableFuture<Response> result) {
    }

    private final ConcurrentSkipListMap<Long, Waiting> byIndex = new ConcurrentSkipListMap<>();

    /** Raft thread: the proposal was appended at (index, term). */
    void accepted(long index, long term, CompletableFuture<Response> result) {
        Waiting earlier = byIndex.put(index, new Waiting(term, result));
        if (earlier != null) {
            // A new leader (this member again) reused the index: the earlier one's entry was overwritten.
            earlier.result().completeExceptionally(lost(index, earlier.term(), term));
        }
    }

    /** Apply thread: the entry at {@code index} with {@code term} applied, with a response or a refusal. */
    void applied(long index, long term, Response response, MvccException refusal) {
        Waiting w = byIndex.remove(index);
        if (w == null) return;
        if (w.term() != term) {
            w.result().completeExceptionally(lost(index, w.term(), term));
        } else if (refusal != null) {
            w.result().completeExceptionally(refusal);
        } else {
            w.result().complete(response);
        }
    }

    /** Apply thread: a snapshot replaced entries up to {@code index}; whether they held these writes is unknown. */
    void coveredBySnapshot(long index) {
        ConcurrentNavigableMap<Long, Waiting> covered = byIndex.headMap(index, true);
        for (Map.Entry<Long, Waiting> e : covered.entrySet()) {
            e.getValue().result().completeExceptionally(new ProposalLostException("the write at index " + e.getKey()
                    + " was covered by a snapshot from the leader: its outcome is unknown"));
        }
        covered.clear();
    }

    void failAll(Throwable cause) {
        for (Waiting w : byIndex.values()) w.result().completeExceptionally(cause);
        byIndex.clear();
    }

    private static ProposalLostException lost(long index, long proposedTerm, long actualTerm) {
        return new ProposalLostException("the write appended at index " + index + " in term " + proposedTerm
                + " was replaced by an entry of term " + actualTerm + " after a leadership change; it did not apply");
    }
}
