package io.keel.server.member;

import io.keel.raft.runtime.Completion;
import io.keel.server.NotLeaderException;
import io.keel.server.RequestTimeoutException;
import io.keel.storage.mvcc.api.Response;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * The one timer of a client write: when its {@link RequestDeadline} passes it fails the request with a typed
 * timeout saying where the request was waiting, whichever stage that is, so no stage (leader wait, forwarding,
 * waiting for apply) keeps a timer of its own. The request's stage says where it is, for that message, and decides
 * between the timer and the raft thread whether a request not yet proposed ever will be.
 *
 * <p>Completing the request first cancels the timer (and removes its task from the queue), so a finished request
 * leaves nothing queued behind it. Failing the request ends its stages: each one drops a request that is done (the
 * raft thread does not propose it, the leader wait and the forwarded writes forget it).
 *
 * <p>It is also the write's {@link Completion} in the member runtime (issue 12): the runtime asks {@link #proceed}
 * before it parks, forwards or proposes the write (the same one field decides, so the rule above holds there too),
 * forgets a write this timer {@link #ended}, and answers it through {@link #completed} and {@link #refused}
 * ({@link WriteCompletion}'s). With this timer the runtime's own deadline for the write is {@code Long.MAX_VALUE}.
 */
final class RequestTimer extends WriteCompletion implements Runnable {
    /** One daemon thread for every member in the process: a timer only completes a future, which costs nothing. */
    private static final ScheduledThreadPoolExecutor TIMERS = timers();

    /** Where a request waits; the timeout's message says it, and what it means for the write. */
    enum Stage {
        QUEUED("waiting for the raft thread; nothing was proposed"),
        LEADER_WAIT("waiting for a leader; nothing was proposed"),
        FORWARDED("forwarded to the leader, waiting for it to apply; it may still apply"),
        PROPOSED("appended to the leader's log, waiting for it to commit and apply; it may still apply"),
        /** The deadline passed before the request was proposed or forwarded: it never will be. */
        TIMED_OUT("");

        private final String what;

        Stage(String what) {
            this.what = what;
        }

        boolean proposed() {
            return this == FORWARDED || this == PROPOSED;
        }

        /** Where the runtime's {@link Completion.Step} takes a request. */
        static Stage of(Completion.Step step) {
            return switch (step) {
                case LEADER_WAIT -> LEADER_WAIT;
                case FORWARDED -> FORWARDED;
                case PROPOSED -> PROPOSED;
            };
        }
    }

    private static final AtomicReferenceFieldUpdater<RequestTimer, Stage> STAGE =
            AtomicReferenceFieldUpdater.newUpdater(RequestTimer.class, Stage.class, "stage");

    private final RequestDeadline deadline;
    private final long startedNanos = System.nanoTime();
    private volatile Stage stage = Stage.QUEUED;

    private RequestTimer(CompletableFuture<Response> result, RequestDeadline deadline, long memberId) {
        super(result, memberId);
        this.deadline = deadline;
    }

    /** Arms the one timer of {@code result}; a deadline already passed fails it at once. */
    static RequestTimer arm(CompletableFuture<Response> result, RequestDeadline deadline, long memberId) {
        RequestTimer timer = new RequestTimer(result, deadline, memberId);
        long remaining = deadline.remainingNanos();
        if (remaining <= 0) {
            timer.run();
            return timer;
        }
        ScheduledFuture<?> task = TIMERS.schedule(timer, remaining, TimeUnit.NANOSECONDS);
        result.whenComplete((r, e) -> task.cancel(false));
        return timer;
    }

    /**
     * Raft thread: the request moves on to {@code next}, unless its deadline passed before it was proposed (false:
     * drop it). The timer and the raft thread agree through this one field, so a request the timer reported as
     * "nothing proposed" (and its client may retry) is never proposed after all.
     */
    boolean stage(Stage next) {
        while (true) {
            Stage at = stage;
            if (at == Stage.TIMED_OUT) return false;
            if (STAGE.compareAndSet(this, at, next)) return true;
        }
    }

    /** Raft stage, from the runtime: {@link #stage} for the step it is about to take. */
    @Override
    public boolean proceed(Completion.Step next) {
        return stage(Stage.of(next));
    }

    /** The deadline passed: fails the request, if it is not done yet. */
    @Override
    public void run() {
        if (result.isDone()) return;
        while (true) {
            Stage at = stage;
            if (at.proposed()) {
                result.completeExceptionally(timedOut(at));
                return;
            }
            if (at == Stage.TIMED_OUT) return;
            if (STAGE.compareAndSet(this, at, Stage.TIMED_OUT)) {
                result.completeExceptionally(timedOut(at));
                return;
            }
        }
    }

    private RuntimeException timedOut(Stage at) {
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        if (at == Stage.LEADER_WAIT) {
            // Nothing was proposed: a refusal the client may retry elsewhere, as a leader wait always ended.
            return new NotLeaderException(memberId, 0, "no leader within the request's deadline (" + waitedMs
                    + " ms)");
        }
        return new RequestTimeoutException("the request's deadline passed after " + waitedMs + " ms while "
                + at.what, deadline.clientDeadline());
    }

    private static ScheduledThreadPoolExecutor timers() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "keel-request-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }
}
