package io.keel.server.lease;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.server.MemberStoppedException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * A follower's keep-alives on their way to the leader, in batches (issue 16). At most one batch per leader waits for
 * its first answer at a time; the keep-alives forwarded meanwhile queue here and leave together, in one peer message,
 * as soon as the leader answers (or the batch times out). A lone keep-alive thus leaves at once, and under load one
 * message each way carries every keep-alive that arrived during a round trip: the send, the leader's handling and
 * the delivery of the answers are paid per batch, not per keep-alive (a follower forwarded 2,000 a second, one
 * message each way each, in issue 16's load).
 *
 * <p>The leader's first answer to a batch lists every keep-alive of it: a TTL, {@link #REFUSED} (this one fails, and
 * the {@link LeaseForwarder} tries it again at whichever member leads), or {@link #LATER} (it waits there, for an
 * expiry to apply, a checkpoint to be cleared or its leadership to be confirmed, and is answered in a message of its
 * own). A keep-alive unanswered an attempt timeout after its batch left fails the same way. A leader that lists none
 * is of a build that knows only single keep-alives: this member then sends it those, one message each.
 *
 * <p>Threads: {@link #send(long, long)} and {@link #sendAll} from any thread (gRPC's, the embedded API's, the
 * forwarder's retry timer), answers from the transport's, timeouts from {@code timer}.
 */
final class ForwardedKeepAlives {
    /** In a batch's answer: this keep-alive is refused (retry). */
    static final long REFUSED = -1;
    /** In a batch's first answer: this keep-alive is answered later, in a message of its own. */
    static final long LATER = -2;
    /** Keep-alives per message at most (about 20 bytes each): a backlog leaves in several batches. */
    static final int MAX_BATCH = 1000;

    /** One keep-alive on its way: answered through {@code answers} at its position {@code index} there. */
    private record KeepAlive(long request, long leaseId, KeepAliveAnswers answers, int index) {
        void answer(long ttl) {
            answers.answered(index, ttl);
        }

        void fail(Throwable cause) {
            answers.failed(index, cause);
        }
    }

    /** A single keep-alive's future as the answers of a batch of one. */
    private record OneFuture(CompletableFuture<Long> future) implements KeepAliveAnswers {
        @Override
        public void answered(int i, long ttl) {
            future.complete(ttl);
        }

        @Override
        public void failed(int i, Throwable cause) {
            future.completeExceptionally(cause);
        }
    }

    /** What this member has on its way to one leader. */
    private static final class ToLeader {
        final long leader;
        final ArrayDeque<KeepAlive> waiting = new ArrayDeque<>(); // guarded by this
        /** The batch waiting for its first answer (0: none). */
        long unanswered; // guarded by this
        /** The leader answered a batch as a build without batches does: it gets single keep-alives. */
        volatile boolean singlesOnly;

        ToLeader(long leader) {
            this.leader = leader;
        }
    }

    private record Batch(long id, ToLeader to, List<KeepAlive> keepAlives, long sentAt) {
    }

    /** How often sent batches are checked for keep-alives unanswered past the attempt timeout. */
    static final long SWEEP_MILLIS = 100;

    private final long memberId;
    private final LongSupplier applied;
    private final Predicate<Message> send;
    private final long attemptTimeoutNanos;
    private final ScheduledExecutorService timer;
    private final AtomicLong nextId;
    /** Keep-alives sent and not yet answered, by request id. */
    private final Map<Long, KeepAlive> pending = new ConcurrentHashMap<>();
    /** Batches sent and waiting for their first answer, by batch id. */
    private final Map<Long, Batch> unanswered = new ConcurrentHashMap<>();
    private final Map<Long, ToLeader> leaders = new ConcurrentHashMap<>();
    /**
     * Every batch sent, oldest first, until the attempt timeout has passed since: then what is unanswered of it
     * fails. One sweep every {@link #SWEEP_MILLIS} rather than a timer task per batch, which woke the timer thread
     * once per batch (a keep-alive's worth of CPU when batches are small).
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<Batch> sentBatches =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicLong batchesSent = new AtomicLong();
    private volatile boolean closed;

    ForwardedKeepAlives(long memberId, LongSupplier applied, Predicate<Message> send, long attemptTimeoutNanos,
                        ScheduledExecutorService timer, AtomicLong ids) {
        this.memberId = memberId;
        this.applied = applied;
        this.send = send;
        this.attemptTimeoutNanos = attemptTimeoutNanos;
        this.timer = timer;
        this.nextId = ids;
        try {
            timer.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            closed = true; // the forwarder is closing
        }
    }

    /** Fails what is unanswered of the batches sent more than the attempt timeout ago (timer thread). */
    private void sweep() {
        long now = System.nanoTime();
        Batch b;
        while ((b = sentBatches.peek()) != null && now - b.sentAt - attemptTimeoutNanos >= 0) {
            sentBatches.poll();
            giveUp(b.to, b.id, b.keepAlives);
        }
    }

    /**
     * One keep-alive of lease {@code leaseId} for {@code leader} to answer: the granted TTL (0: no such lease); fails
     * with {@link NotPrimaryException} (retryable) when refused, unanswered in time or not sent.
     */
    CompletableFuture<Long> send(long leader, long leaseId) {
        CompletableFuture<Long> answer = new CompletableFuture<>();
        sendAll(leader, new long[] {leaseId}, 1, new OneFuture(answer));
        return answer;
    }

    /**
     * The first {@code n} keep-alives of {@code leaseIds} for {@code leader} to answer, together (a stream's burst):
     * each is answered through {@code answers} at its position, with the granted TTL (0: no such lease), or fails
     * there with {@link NotPrimaryException} (retryable) when refused, unanswered in time or not sent. No future per
     * keep-alive: one {@code answers} for them all (issue 16).
     */
    void sendAll(long leader, long[] leaseIds, int n, KeepAliveAnswers answers) {
        if (closed) {
            for (int i = 0; i < n; i++) answers.failed(i, stopped());
            return;
        }
        long firstRequest = nextId.getAndAdd(n);
        ToLeader to = leaders.computeIfAbsent(leader, ToLeader::new);
        List<KeepAlive> now;
        long batch;
        synchronized (to) {
            for (int i = 0; i < n; i++) {
                KeepAlive k = new KeepAlive(firstRequest + i, leaseIds[i], answers, i);
                pending.put(k.request, k);
                to.waiting.add(k);
            }
            if (to.unanswered != 0 && !to.singlesOnly) return; // they leave with the next batch
            batch = nextBatchId();
            now = take(to, batch);
        }
        transmit(to, batch, now);
    }

    /** A batch id: never 0, which means none. */
    private long nextBatchId() {
        long id = nextId.getAndIncrement();
        return id != 0 ? id : nextId.getAndIncrement();
    }

    /** Lock of {@code to} held: the next batch, marked unanswered unless the leader takes singles. */
    private static List<KeepAlive> take(ToLeader to, long batch) {
        List<KeepAlive> out = new ArrayList<>(Math.min(to.waiting.size(), MAX_BATCH));
        while (out.size() < MAX_BATCH && !to.waiting.isEmpty()) out.add(to.waiting.poll());
        if (!to.singlesOnly) to.unanswered = batch;
        return out;
    }

    private void transmit(ToLeader to, long batch, List<KeepAlive> keepAlives) {
        Batch b = new Batch(batch, to, keepAlives, System.nanoTime());
        boolean sent;
        if (to.singlesOnly) {
            sent = true;
            for (KeepAlive k : keepAlives) {
                if (!send.test(Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE).setFrom(memberId)
                        .setTo(to.leader).setReadId(k.request).setLeaseId(k.leaseId)
                        .setIndex(applied.getAsLong()).build())) {
                    fail(k, to.leader);
                }
            }
        } else {
            unanswered.put(batch, b);
            Message.Builder m = Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE).setFrom(memberId)
                    .setTo(to.leader).setReadId(batch).setIndex(applied.getAsLong());
            for (KeepAlive k : keepAlives) m.addLeaseRequestIds(k.request).addLeaseIds(k.leaseId);
            sent = send.test(m.build());
        }
        batchesSent.incrementAndGet();
        if (!sent) {
            giveUp(to, batch, keepAlives);
            return;
        }
        sentBatches.add(b);
        if (closed) giveUp(to, batch, keepAlives);
    }

    /** The batch was not sent, or its time is up: what is still unanswered of it fails, and the next may leave. */
    private void giveUp(ToLeader to, long batch, List<KeepAlive> keepAlives) {
        if (unanswered.remove(batch) != null) answered(to, batch);
        for (KeepAlive k : keepAlives) fail(k, to.leader);
    }

    /** Fails {@code k} unless it was answered: retryable (the forwarder tries again at whichever member leads). */
    private void fail(KeepAlive k, long leader) {
        if (pending.remove(k.request, k)) {
            k.fail(closed ? stopped() : new NotPrimaryException(leader));
        }
    }

    /** The first answer to {@code batch} came (or it timed out): the keep-alives waiting meanwhile leave now. */
    private void answered(ToLeader to, long batch) {
        List<KeepAlive> next;
        long nextBatch;
        synchronized (to) {
            if (to.unanswered != batch) return;
            to.unanswered = 0;
            if (to.waiting.isEmpty() || closed) return;
            nextBatch = nextBatchId();
            next = take(to, nextBatch);
        }
        transmit(to, nextBatch, next);
    }

    /** A MSG_LEASE_KEEP_ALIVE_RESPONSE for this member (transport thread). */
    void onAnswer(Message m) {
        Batch first = unanswered.remove(m.getReadId());
        int n = m.getLeaseRequestIdsCount();
        if (first == null && n == 0) { // the answer to a single keep-alive
            KeepAlive k = pending.remove(m.getReadId());
            if (k == null) return; // given up already
            if (m.getReject()) k.fail(new NotPrimaryException(m.getFrom()));
            else k.answer(m.getLeaseTtl());
            return;
        }
        for (int i = 0; i < n; i++) {
            long ttl = m.getLeaseTtls(i);
            if (ttl == LATER) continue;
            KeepAlive k = pending.remove(m.getLeaseRequestIds(i));
            if (k == null) continue; // given up already
            if (ttl == REFUSED || m.getReject()) k.fail(new NotPrimaryException(m.getFrom()));
            else k.answer(ttl);
        }
        if (first == null) return;
        if (n == 0) {
            // A leader that does not know batches answered it as a keep-alive of lease 0: it gets singles from now
            // on, and these are tried again.
            if (!m.getReject()) first.to.singlesOnly = true;
            for (KeepAlive k : first.keepAlives) {
                if (pending.remove(k.request, k)) k.fail(new NotPrimaryException(m.getFrom()));
            }
        }
        answered(first.to, m.getReadId());
    }

    /** Batches sent (messages, or rounds of single messages to a leader that takes no batches). */
    long batchesSent() {
        return batchesSent.get();
    }

    void close() {
        closed = true;
        for (KeepAlive k : pending.values()) {
            if (pending.remove(k.request, k)) k.fail(stopped());
        }
        for (ToLeader to : leaders.values()) {
            synchronized (to) {
                for (KeepAlive k : to.waiting) {
                    if (pending.remove(k.request, k)) k.fail(stopped()); // each answered once
                }
                to.waiting.clear();
            }
        }
    }

    private MemberStoppedException stopped() {
        return new MemberStoppedException("member " + Long.toHexString(memberId) + " is stopped", null);
    }
}
