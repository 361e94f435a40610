package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.server.ProposalLostException;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentHashMap;
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
    /**
     * A write this member forwarded to the leader. {@code resendable}: the tagged entry data, kept only for a write
     * that may safely apply twice (a lease keep-alive), so it can be forwarded again to a new leader.
     */
    private record Forwarded(CompletableFuture<Response> result, ByteString resendable) {
    }

    /** Writes this member forwarded to the leader, by request id; they leave on apply, timeout or failure. */
    private final ConcurrentHashMap<Long, Forwarded> forwarded = new ConcurrentHashMap<>();

    /** Raft thread: the proposal was appended at (index, term). */
    void accepted(long index, long term, CompletableFuture<Response> result) {
        Waiting earlier = byIndex.put(index, new Waiting(term, result));
        if (earlier != null) {
            // A new leader (this member again) reused the index: the earlier one's entry was overwritten.
            earlier.result().completeExceptionally(lost(index, earlier.term(), term));
        }
    }

    /**
     * Raft thread: the write was forwarded to the leader with {@code request} as its origin. The leader may drop it
     * silently: the request's own timer ({@link RequestTimer}) then fails it at its deadline, and it leaves here.
     */
    void forwarded(long request, CompletableFuture<Response> result, ByteString resendable) {
        Forwarded f = new Forwarded(result, resendable);
        forwarded.put(request, f);
        result.whenComplete((r, e) -> forwarded.remove(request, f));
    }

    /** Whether a forwarded write waits: only then is an applied entry's origin worth decoding. */
    boolean anyForwarded() {
        return !forwarded.isEmpty();
    }

    /** Apply thread: the forwarded write {@code request} applied, with a response or a refusal. */
    void appliedForwarded(long request, Response response, RuntimeException refusal) {
        Forwarded f = forwarded.remove(request);
        if (f == null) return;
        if (refusal != null) f.result().completeExceptionally(refusal);
        else f.result().complete(response);
    }

    /**
     * Raft thread: the leader changed. The tagged data of every forwarded write that may apply twice and still
     * waits: the old leader may have dropped it (it died, or lost leadership), and waiting out the timeout could
     * outlast what the write protects (a keep-alive outlasting its lease). etcd's follower likewise retries a
     * keep-alive at the current leader. Writes that must apply at most once keep waiting: their outcome is unknown.
     */
    List<ByteString> resendableAfterLeaderChange() {
        List<ByteString> out = new ArrayList<>();
        for (Forwarded f : forwarded.values()) {
            if (f.resendable() != null && !f.result().isDone()) out.add(f.resendable());
        }
        return out;
    }

    /** Apply thread: the entry at {@code index} with {@code term} applied, with a response or a refusal. */
    void applied(long index, long term, Response response, RuntimeException refusal) {
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
        for (Forwarded f : forwarded.values()) f.result().completeExceptionally(cause);
        forwarded.clear();
    }

    private static ProposalLostException lost(long index, long proposedTerm, long actualTerm) {
        return new ProposalLostException("the write appended at index " + index + " in term " + proposedTerm
                + " was replaced by an entry of term " + actualTerm + " after a leadership change; it did not apply");
    }
}
