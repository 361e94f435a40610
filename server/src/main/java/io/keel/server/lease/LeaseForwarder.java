package io.keel.server.lease;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.server.KeelException;
import io.keel.server.MemberStoppedException;
import io.keel.server.RequestTimeoutException;
import io.keel.server.concurrent.Futures;
import io.keel.server.concurrent.NamedThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Keep-alives and time-to-live without the log (issue 16): the leader's {@link Lessor} answers both from memory, and
 * any other member forwards them to the leader over the peer connection ({@code MSG_LEASE_KEEP_ALIVE},
 * {@code MSG_LEASE_TIME_TO_LIVE} and their responses, correlated by {@code read_id}), as etcd's follower forwards
 * a keep-alive to its leader over HTTP. Keep-alives travel in batches: every one forwarded while the leader answers
 * the previous batch leaves in the next message, and the leader answers a batch in one message
 * ({@code ForwardedKeepAlives}).
 *
 * <p>Both are idempotent, so an attempt that gets no answer within an election timeout, or is refused (the member
 * asked does not lead, has not yet taken over the deadlines, or lacks its leader lease), is simply made again at
 * whichever member leads then, until {@code timeout} has passed. A request carries the asker's applied index: the
 * leader answers only once it has applied as much, so a lease whose grant the asker has seen is known there.
 */
public final class LeaseForwarder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseForwarder.class);
    private static final long RETRY_DELAY_MILLIS = 20;

    private final long memberId;
    private final Lessor lessor;
    private final LongSupplier leader;
    private final LongSupplier applied;
    private final Predicate<Message> send;
    private final Duration attemptTimeout;
    private final Duration timeout;
    private final ScheduledExecutorService timer;
    private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextRequest = new AtomicLong(new SecureRandom().nextLong());
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong forwardedBursts = new AtomicLong();
    private final ForwardedKeepAlives keepAlives;
    private volatile boolean closed;

    /**
     * @param leader the leader this member knows (0: none)
     * @param applied the index this member's store has applied
     * @param send queues a message for a peer; false if it was dropped
     * @param attemptTimeout how long one attempt waits for the leader's answer (an election timeout or so)
     * @param timeout how long a request is retried in all
     */
    public LeaseForwarder(long memberId, Lessor lessor, LongSupplier leader, LongSupplier applied,
                          Predicate<Message> send, Duration attemptTimeout, Duration timeout) {
        this.memberId = memberId;
        this.lessor = lessor;
        this.leader = leader;
        this.applied = applied;
        this.send = send;
        this.attemptTimeout = attemptTimeout;
        this.timeout = timeout;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                NamedThreads.single("keel-lease-forward-" + Long.toHexString(memberId)));
        this.keepAlives = new ForwardedKeepAlives(memberId, applied, send, attemptTimeout.toNanos(), timer,
                nextRequest);
    }

    /**
     * One keep-alive answered by the leader: the lease's granted TTL, 0 when there is no such lease. At the leader
     * it is usually answered at once, with no future chain; a follower sends it with the other keep-alives
     * forwarded during the leader's last round trip, in one message ({@code ForwardedKeepAlives}).
     */
    public CompletableFuture<Long> keepAlive(long id) {
        if (!closed && leader.getAsLong() == memberId) {
            long ttl = lessor.tryRenew(id, applied.getAsLong());
            if (ttl >= 0) return CompletableFuture.completedFuture(ttl);
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        attempt(id, renewHere(id), forwardTo(id), System.nanoTime() + timeout.toNanos(), result, null);
        return result;
    }

    /**
     * The first {@code n} keep-alives of {@code ids}, which arrived together (a keep-alive stream's burst), each
     * answered through {@code answers} at its position as {@link #keepAlive} would answer it, and retried as it
     * would be, until the request timeout. The common case costs no future per keep-alive (issue 16): at the leader
     * the lessor renews them under one lock and one check of its leader lease ({@link Lessor#tryRenewAll}); a
     * follower hands them to the leader in one batch whose answers go straight to {@code answers} (also those the
     * leader answers later, in a message of their own). Only a keep-alive refused or unanswered in time, or, at the
     * leader itself, one that must wait (for an expiry, a checkpoint's clearing or a quorum round), takes
     * {@link #keepAlive}'s path, with the same deadline.
     */
    public void keepAliveAll(long[] ids, int n, KeepAliveAnswers answers) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long to = closed ? 0 : leader.getAsLong();
        if (to == memberId) {
            long[] ttls = new long[n];
            long minApplied = applied.getAsLong();
            Lessor.BatchWait why = lessor.tryRenewAll(ids, n, minApplied, ttls);
            if (why == Lessor.BatchWait.NONE) {
                answerRenewed(ids, n, ttls, answers, deadline);
                return;
            }
            // The whole burst waits once (for this member to be ready, or for one quorum round), bounded like a
            // single keep-alive's attempt here; if that fails, each is retried as a single keep-alive would be.
            lessor.renewAllLater(why, ids, n, minApplied)
                    .orTimeout(2 * attemptTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((later, e) -> {
                        if (e == null) {
                            answerRenewed(ids, n, later, answers, deadline);
                            return;
                        }
                        Throwable cause = Futures.unwrap(e);
                        for (int i = 0; i < n; i++) {
                            retryOrFail(ids[i], renewHere(ids[i]), forwardTo(ids[i]), deadline, answerAt(i, answers),
                                    cause);
                        }
                    });
        } else if (to != 0) {
            forwarded.addAndGet(n);
            forwardedBursts.incrementAndGet();
            keepAlives.sendAll(to, ids, n, new RetriedOnFailure(ids, answers, deadline));
        } else { // no leader known, or closed: the single path waits for one, or says so
            for (int i = 0; i < n; i++) {
                attempt(ids[i], renewHere(ids[i]), forwardTo(ids[i]), deadline, answerAt(i, answers), null);
            }
        }
    }

    /**
     * The lessor's answers to a burst at this member: each TTL passed on at its position, and each {@link
     * Lessor#NOT_NOW} (its own lease must wait: an expiry, a checkpoint's clearing) taken down the single
     * keep-alive's retried path, with the burst's deadline.
     */
    private void answerRenewed(long[] ids, int n, long[] ttls, KeepAliveAnswers answers, long deadline) {
        for (int i = 0; i < n; i++) {
            if (ttls[i] >= 0) {
                answers.answered(i, ttls[i]);
            } else {
                attempt(ids[i], renewHere(ids[i]), forwardTo(ids[i]), deadline, answerAt(i, answers), null);
            }
        }
    }

    /** A keep-alive's attempt at this member's lessor, which leads. */
    private Function<Long, CompletableFuture<Long>> renewHere(long id) {
        return min -> lessor.renew(id, min);
    }

    /** A keep-alive's attempt at the leader, another member. */
    private Remote<Long> forwardTo(long id) {
        return (to, min) -> {
            forwarded.incrementAndGet();
            return keepAlives.send(to, id);
        };
    }

    /** A future whose outcome is answer {@code i} of {@code answers}: for a keep-alive on the retried path. */
    private static CompletableFuture<Long> answerAt(int i, KeepAliveAnswers answers) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        result.whenComplete((ttl, e) -> {
            if (e == null) answers.answered(i, ttl);
            else answers.failed(i, Futures.unwrap(e));
        });
        return result;
    }

    /**
     * The answers of a follower's batch: passed on as they come, and a keep-alive whose attempt failed is retried
     * as {@link #keepAlive}'s would be (after the retry delay, at whichever member leads, until {@code deadline}).
     */
    private final class RetriedOnFailure implements KeepAliveAnswers {
        private final long[] ids;
        private final KeepAliveAnswers answers;
        private final long deadline;

        RetriedOnFailure(long[] ids, KeepAliveAnswers answers, long deadline) {
            this.ids = ids;
            this.answers = answers;
            this.deadline = deadline;
        }

        @Override
        public void answered(int i, long ttl) {
            answers.answered(i, ttl);
        }

        @Override
        public void failed(int i, Throwable cause) {
            retryOrFail(ids[i], renewHere(ids[i]), forwardTo(ids[i]), deadline, answerAt(i, answers), cause);
        }
    }

    /**
     * The leader's view of the lease's remaining time, and the index the leader had applied when it answered (read
     * the lease's granted TTL and keys from a store that has applied at least that).
     */
    public CompletableFuture<Lessor.Remaining> remaining(long id) {
        return call(id, min -> lessor.remaining(id, min), (to, min) ->
                remote(to, id, MessageType.MSG_LEASE_TIME_TO_LIVE, min).thenApply(m -> new Lessor.Remaining(
                        m.getLeaseFound(), TimeUnit.SECONDS.toNanos(m.getLeaseTtl()), m.getIndex())));
    }

    /** Keep-alives this member has forwarded to another member (attempts). */
    public long forwarded() {
        return forwarded.get();
    }

    /** Bursts ({@link #keepAliveAll} calls) this member forwarded to another member whole. */
    public long forwardedBursts() {
        return forwardedBursts.get();
    }

    /** Messages (batches) that carried this member's forwarded keep-alives to the leader. */
    public long forwardedBatches() {
        return keepAlives.batchesSent();
    }

    /** An attempt at the leader when it is another member: (leader, this member's applied index) to the answer. */
    private interface Remote<T> {
        CompletableFuture<T> ask(long leader, long minApplied);
    }

    private <T> CompletableFuture<T> call(long id, Function<Long, CompletableFuture<T>> local, Remote<T> remote) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(id, local, remote, System.nanoTime() + timeout.toNanos(), result, null);
        return result;
    }

    private <T> void attempt(long id, Function<Long, CompletableFuture<T>> local, Remote<T> remote, long deadline,
                             CompletableFuture<T> result, Throwable last) {
        if (result.isDone()) return;
        if (closed) {
            result.completeExceptionally(new MemberStoppedException("member " + hex(memberId) + " is stopped", null));
            return;
        }
        if (System.nanoTime() - deadline > 0) {
            result.completeExceptionally(new RequestTimeoutException("no leader answered the lease request within "
                    + timeout.toMillis() + " ms" + (last == null ? "" : " (last: " + last + ")")));
            return;
        }
        long to = leader.getAsLong();
        long minApplied = applied.getAsLong();
        CompletableFuture<T> a;
        if (to == memberId) {
            // Bounded like a remote attempt: whatever it waits for here (promotion, an entry to apply, an expiry),
            // the request is tried again rather than left waiting.
            a = local.apply(minApplied).orTimeout(2 * attemptTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } else if (to == 0) {
            a = CompletableFuture.failedFuture(new NotPrimaryException(memberId));
        } else {
            a = remote.ask(to, minApplied);
        }
        a.whenComplete((v, e) -> {
            if (e == null) result.complete(v);
            else retryOrFail(id, local, remote, deadline, result, Futures.unwrap(e));
        });
    }

    /** An attempt failed with {@code cause}: made again after the retry delay, unless retrying cannot help. */
    private <T> void retryOrFail(long id, Function<Long, CompletableFuture<T>> local, Remote<T> remote,
                                 long deadline, CompletableFuture<T> result, Throwable cause) {
        if (cause instanceof KeelException k && !k.retryable() || cause instanceof MemberStoppedException) {
            result.completeExceptionally(cause);
            return;
        }
        try {
            timer.schedule(() -> attempt(id, local, remote, deadline, result, cause),
                    RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            result.completeExceptionally(new MemberStoppedException("member " + hex(memberId) + " is stopped",
                    null));
        }
    }

    private CompletableFuture<Message> remote(long to, long id, MessageType type, long minApplied) {
        long request = nextRequest.getAndIncrement();
        CompletableFuture<Message> answer = new CompletableFuture<>();
        pending.put(request, answer);
        answer.whenComplete((m, e) -> pending.remove(request));
        Message m = Message.newBuilder().setType(type).setFrom(memberId).setTo(to).setReadId(request)
                .setLeaseId(id).setIndex(minApplied).build();
        if (!send.test(m)) {
            answer.completeExceptionally(new NotPrimaryException(to));
            return answer;
        }
        return answer.orTimeout(attemptTimeout.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(e ->
                CompletableFuture.failedFuture(Futures.unwrap(e) instanceof TimeoutException
                        ? new NotPrimaryException(to) : Futures.unwrap(e)));
    }

    /** Whether {@code m} is lease traffic (handled here, never by Raft). */
    public static boolean handles(Message m) {
        return switch (m.getType()) {
            case MSG_LEASE_KEEP_ALIVE, MSG_LEASE_KEEP_ALIVE_RESPONSE, MSG_LEASE_TIME_TO_LIVE,
                 MSG_LEASE_TIME_TO_LIVE_RESPONSE -> true;
            default -> false;
        };
    }

    /** A lease message from a peer (transport thread: must not block). */
    public void onMessage(Message m) {
        switch (m.getType()) {
            case MSG_LEASE_KEEP_ALIVE -> {
                if (m.getLeaseIdsCount() > 0) answerBatch(m);
                else lessor.renew(m.getLeaseId(), m.getIndex()).whenComplete((ttl, e) ->
                        reply(m, MessageType.MSG_LEASE_KEEP_ALIVE_RESPONSE, e, b -> b.setLeaseTtl(ttl)));
            }
            case MSG_LEASE_TIME_TO_LIVE -> lessor.remaining(m.getLeaseId(), m.getIndex()).whenComplete((r, e) ->
                    reply(m, MessageType.MSG_LEASE_TIME_TO_LIVE_RESPONSE, e, b -> b.setLeaseFound(r.found())
                            .setLeaseTtl(r.remainingNanos() / TimeUnit.SECONDS.toNanos(1)) // truncated, as etcd
                            .setIndex(r.appliedIndex())));
            case MSG_LEASE_KEEP_ALIVE_RESPONSE -> keepAlives.onAnswer(m);
            case MSG_LEASE_TIME_TO_LIVE_RESPONSE -> {
                CompletableFuture<Message> answer = pending.get(m.getReadId());
                if (answer == null) return; // given up already
                if (m.getReject()) answer.completeExceptionally(new NotPrimaryException(m.getFrom()));
                else answer.complete(m);
            }
            default -> LOG.warn("member {}: not a lease message: {}", hex(memberId), m.getType());
        }
    }

    /**
     * A follower's batch of keep-alives (transport thread: must not block): one answer listing them all, those
     * that must wait (see {@link Lessor#renew}) marked {@code ForwardedKeepAlives.LATER} and answered one by one
     * when they complete. A batch that must wait as a whole ({@link Lessor.BatchWait}: this member not ready yet,
     * or its leader lease lapsed) is answered at once with every keep-alive LATER, so the follower's next batch
     * leaves, and then in one message once its wait is over.
     */
    private void answerBatch(Message m) {
        int n = m.getLeaseIdsCount();
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = m.getLeaseIds(i);
        long[] ttls = new long[n];
        // One lock and one leader lease check for the batch. A lost answer: the asker tries again after its attempt
        // timeout.
        Lessor.BatchWait why = lessor.tryRenewAll(ids, n, m.getIndex(), ttls);
        if (why == Lessor.BatchWait.NONE) {
            send.test(batchAnswer(m, renewOwnWaits(m, ids, ttls)));
            return;
        }
        send.test(batchAnswer(m, filled(n, ForwardedKeepAlives.LATER)));
        lessor.renewAllLater(why, ids, n, m.getIndex()).whenComplete((later, e) -> send.test(batchAnswer(m,
                e == null ? renewOwnWaits(m, ids, later) : filled(n, ForwardedKeepAlives.REFUSED))));
    }

    /**
     * Replaces each {@link Lessor#NOT_NOW} of {@code ttls} (its own lease must wait: an expiry, a checkpoint's
     * clearing) with {@link Lessor#renew}'s answer if it came at once, REFUSED if that failed, or LATER, and then
     * answers it in a message of its own when it completes; returns {@code ttls}.
     */
    private long[] renewOwnWaits(Message m, long[] ids, long[] ttls) {
        for (int i = 0; i < ids.length; i++) {
            if (ttls[i] != Lessor.NOT_NOW) continue;
            long request = m.getLeaseRequestIds(i);
            CompletableFuture<Long> later = lessor.renew(ids[i], m.getIndex());
            if (!later.isDone()) {
                ttls[i] = ForwardedKeepAlives.LATER;
                later.whenComplete((t, e) -> send.test(Message.newBuilder()
                        .setType(MessageType.MSG_LEASE_KEEP_ALIVE_RESPONSE).setFrom(memberId).setTo(m.getFrom())
                        .setReadId(m.getReadId()).addLeaseRequestIds(request)
                        .addLeaseTtls(e == null ? t : ForwardedKeepAlives.REFUSED).build()));
            } else {
                ttls[i] = later.isCompletedExceptionally() ? ForwardedKeepAlives.REFUSED : later.join();
            }
        }
        return ttls;
    }

    /** The answer to batch {@code m} listing, for each of its keep-alives, its TTL, REFUSED or LATER. */
    private Message batchAnswer(Message m, long[] ttls) {
        Message.Builder answer = Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE_RESPONSE)
                .setFrom(memberId).setTo(m.getFrom()).setReadId(m.getReadId());
        for (int i = 0; i < ttls.length; i++) answer.addLeaseRequestIds(m.getLeaseRequestIds(i)).addLeaseTtls(ttls[i]);
        return answer.build();
    }

    private static long[] filled(int n, long value) {
        long[] a = new long[n];
        Arrays.fill(a, value);
        return a;
    }

    private void reply(Message request, MessageType type, Throwable failure,
                       java.util.function.UnaryOperator<Message.Builder> fill) {
        Message.Builder b = Message.newBuilder().setType(type).setFrom(memberId).setTo(request.getFrom())
                .setReadId(request.getReadId()).setLeaseId(request.getLeaseId());
        if (failure != null) b.setReject(true);
        else b = fill.apply(b);
        send.test(b.build()); // a lost answer: the asker tries again after its attempt timeout
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        keepAlives.close();
        for (CompletableFuture<Message> f : pending.values()) {
            f.completeExceptionally(new MemberStoppedException("member " + hex(memberId) + " is stopped", null));
        }
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }
}
