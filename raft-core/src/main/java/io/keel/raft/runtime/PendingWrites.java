package io.keel.raft.runtime;

import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * Writes waiting for their entry to apply: registered on the raft stage, answered on the apply stage (so an answer
 * costs no trip back through the raft stage), expired on the raft stage. Whoever removes a write from its map
 * answers it, so each is answered once.
 *
 * <p>A proposal took effect iff the entry applied at its index has its term (ProposeResult.Accepted): another
 * term there means it was lost with a leadership change. It is answered only after that entry applied, with the
 * result of applying it: an answer before the apply could be read back stale, or report success for a write that is
 * overwritten (thesis §6.3: the leader replies once the entry is applied).
 */
final class PendingWrites<R> {
    /** A write waiting inside the runtime: who is told how it ended, and until when it waits. */
    private interface Pending<R> {
        Completion<R> completion();

        long deadline();
    }

    private record Waiting<R>(long term, Completion<R> completion, long deadline) implements Pending<R> {
    }

    /** {@code resendable}: the tagged data of an idempotent write, forwarded again to each new leader. */
    private record Forwarded<R>(Completion<R> completion, long deadline, ByteString resendable)
            implements Pending<R> {
    }

    private final ConcurrentSkipListMap<Long, Waiting<R>> byIndex = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<Long, Forwarded<R>> forwarded = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    int size() {
        return size.get();
    }

    /** Raft stage: appended at (index, term). */
    void accepted(long index, long term, Completion<R> completion, long deadline) {
        size.incrementAndGet();
        Waiting<R> earlier = byIndex.put(index, new Waiting<>(term, completion, deadline));
        if (earlier != null) {
            // This member leads again and reused the index: the earlier entry was overwritten, never applied.
            size.decrementAndGet();
            earlier.completion().refused(lost(index, earlier.term(), term));
        }
    }

    /** Raft stage: forwarded to the leader, tagged with {@code request}. */
    void forwarded(long request, Completion<R> completion, long deadline, ByteString resendable) {
        size.incrementAndGet();
        forwarded.put(request, new Forwarded<>(completion, deadline, resendable));
    }

    boolean anyForwarded() {
        return !forwarded.isEmpty();
    }

    /** Apply stage: the entry at {@code index} of {@code term} applied with {@code result}. */
    void applied(long index, long term, R result) {
        Waiting<R> w = byIndex.remove(index);
        if (w == null) return;
        size.decrementAndGet();
        if (w.term() == term) {
            w.completion().completed(result);
        } else {
            w.completion().refused(lost(index, w.term(), term));
        }
    }

    /** Apply stage: the write this member forwarded as {@code request} applied. */
    void appliedForwarded(long request, R result) {
        Forwarded<R> f = forwarded.remove(request);
        if (f == null) return;
        size.decrementAndGet();
        f.completion().completed(result);
    }

    /** Apply stage: a snapshot replaced the entries through {@code index}; whether they held these writes is unknown. */
    void coveredBySnapshot(long index) {
        ConcurrentNavigableMap<Long, Waiting<R>> covered = byIndex.headMap(index, true);
        for (Map.Entry<Long, Waiting<R>> e : covered.entrySet()) {
            if (covered.remove(e.getKey(), e.getValue())) {
                size.decrementAndGet();
                e.getValue().completion().refused(new Refusal(Refusal.Kind.UNKNOWN, 0, "the write at index "
                        + e.getKey() + " was covered by a snapshot from the leader: its outcome is unknown"));
            }
        }
    }

    /** Raft stage: the tagged data of every idempotent forwarded write still waiting (to forward to a new leader). */
    List<ByteString> resendable() {
        List<ByteString> out = new ArrayList<>();
        for (Forwarded<R> f : forwarded.values()) if (f.resendable() != null) out.add(f.resendable());
        return out;
    }

    /**
     * Raft stage: writes whose deadline passed are answered UNKNOWN (they may still apply); writes their caller
     * already ended ({@link Completion#ended}) are forgotten, so a forwarded write the leader dropped does not stay.
     */
    void expire(long now) {
        expire(byIndex, now, index -> "the write at index " + index + " did not apply before its deadline; it may"
                + " still apply");
        expire(forwarded, now, request -> "the leader did not apply the forwarded write before its deadline (it may"
                + " have lost leadership); it may still apply");
    }

    /** {@link #expire(long)} over one of the two maps (both keyed by what names the write in {@code why}). */
    private <W extends Pending<R>> void expire(Map<Long, W> waiting, long now, LongFunction<String> why) {
        for (Map.Entry<Long, W> e : waiting.entrySet()) {
            W w = e.getValue();
            boolean ended = w.completion().ended();
            if (!ended && now - w.deadline() < 0) continue;
            // Whoever removes it answers it: the apply stage may have answered it meanwhile.
            if (!waiting.remove(e.getKey(), w)) continue;
            size.decrementAndGet();
            if (!ended) w.completion().refused(new Refusal(Refusal.Kind.UNKNOWN, 0, why.apply(e.getKey())));
        }
    }

    void failAll(Refusal refusal) {
        failAll(byIndex, refusal);
        failAll(forwarded, refusal);
    }

    private <W extends Pending<R>> void failAll(Map<Long, W> waiting, Refusal refusal) {
        for (Long key : waiting.keySet()) {
            W w = waiting.remove(key);
            if (w == null) continue;
            size.decrementAndGet();
            w.completion().refused(refusal);
        }
    }

    private static Refusal lost(long index, long proposedTerm, long actualTerm) {
        return new Refusal(Refusal.Kind.LOST, 0, "the write appended at index " + index + " in term " + proposedTerm
                + " was replaced by an entry of term " + actualTerm + " after a leadership change; it did not apply");
    }
}
