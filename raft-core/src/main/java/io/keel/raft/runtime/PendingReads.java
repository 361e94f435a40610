package io.keel.raft.runtime;

import io.keel.raft.ReadState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Linearizable reads (thesis §6.4), raft stage only unless a method says otherwise: asked of the node, confirmed (a
 * read index, or a lease), then executed on the read stage once the state machine applied the read index, never
 * before (a read executed earlier could miss a write acknowledged before the read arrived). A lease read is
 * re-checked after it executed: the lease may have ended meanwhile (a transfer ends it early), and the answer could
 * then miss a newer leader's write; it is then asked again (found by the simulation when reads are executed late).
 *
 * <p>A read handed to the read stage stays here ({@link #executing}) until the read stage (or, for a lease read
 * asked again, the raft stage) takes it back with {@link #finish}: whoever removes it answers it, so a read running
 * when the runtime stops is refused by {@link #failAll} or answered by its stage, exactly once, never neither.
 */
final class PendingReads {
    record Read<T>(Supplier<T> query, Completion<ReadAnswer<T>> completion, long deadline) {
    }

    /** {@code id}: the id the node confirmed it under, unique per ask (a read asked again gets a new one). */
    record Confirmed(Read<?> read, long id, long index, long leaseTerm) {
    }

    private final Map<Long, Read<?>> awaitingIndex = new HashMap<>();
    private final PriorityQueue<Confirmed> awaitingApply = new PriorityQueue<>(Comparator.comparingLong(Confirmed::index));
    /** Handed to the read stage and not yet taken back by {@link #finish}, by id: read and removed from any stage. */
    private final Map<Long, Confirmed> executing = new ConcurrentHashMap<>();
    private long nextReadId = 1;

    int size() {
        return awaitingIndex.size() + awaitingApply.size() + executing.size();
    }

    /** Registers the read and returns the id to ask the node with. */
    long register(Read<?> read) {
        long id = nextReadId++;
        awaitingIndex.put(id, read);
        return id;
    }

    /** The node answered: rejected reads are refused, confirmed ones wait for the apply. */
    void answered(List<ReadState> states, long term, String who) {
        for (ReadState s : states) {
            Read<?> read = awaitingIndex.remove(s.readId());
            if (read == null) continue;
            if (s.rejected()) {
                read.completion().refused(new Refusal(Refusal.Kind.READ_REJECTED, 0, who
                        + " could not confirm the read with a leader; retry"));
            } else {
                awaitingApply.add(new Confirmed(read, s.readId(), s.index(), s.isLeaseRead() ? term : 0));
            }
        }
    }

    /** Whether a confirmed read waits for the state machine to apply its index. */
    boolean waitingForApply() {
        return !awaitingApply.isEmpty();
    }

    /** Returns every confirmed read whose index is applied, now {@link #executing} until {@link #finish}ed. */
    List<Confirmed> runnable(long applied) {
        List<Confirmed> out = new ArrayList<>();
        while (!awaitingApply.isEmpty() && awaitingApply.peek().index() <= applied) {
            Confirmed c = awaitingApply.poll();
            executing.put(c.id(), c);
            out.add(c);
        }
        return out;
    }

    /**
     * Any stage: takes an executing read back; true if the caller now answers it (or asks it again), false if
     * {@link #failAll} already refused it.
     */
    boolean finish(Confirmed c) {
        return executing.remove(c.id(), c);
    }

    void expire(long now) {
        for (Iterator<Read<?>> it = awaitingIndex.values().iterator(); it.hasNext(); ) {
            Read<?> r = it.next();
            if (now - r.deadline() >= 0) {
                it.remove();
                r.completion().refused(timedOut());
            }
        }
        awaitingApply.removeIf(c -> {
            if (now - c.read().deadline() < 0) return false;
            c.read().completion().refused(timedOut());
            return true;
        });
    }

    /** Refuses every read, executing ones included (those the read stage has not taken back yet). */
    void failAll(Refusal refusal) {
        List<Read<?>> all = new ArrayList<>(awaitingIndex.values());
        for (Confirmed c : awaitingApply) all.add(c.read());
        awaitingIndex.clear();
        awaitingApply.clear();
        for (Confirmed c : executing.values()) {
            if (finish(c)) all.add(c.read());
        }
        for (Read<?> r : all) r.completion().refused(refusal);
    }

    private static Refusal timedOut() {
        return new Refusal(Refusal.Kind.READ_TIMED_OUT, 0, "the read was not answered before its deadline");
    }
}
