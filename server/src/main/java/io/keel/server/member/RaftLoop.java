package io.keel.server.member;

import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.SoftState;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.RuntimeObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The member's raft thread: the raft stage of its {@link MemberRuntime}, the one thread that touches the
 * {@link RaftNode}. Everything reaches the runtime as a task on this loop's queue: received messages, proposals,
 * reads, and the hand-backs of persists, applies and snapshot transfers. Between tasks it ticks the runtime
 * ({@link MemberRuntime#tick}) every tick interval of {@link System#nanoTime()}; nothing here waits for a disk, so a
 * slow disk delays hand-backs, never ticks.
 *
 * <p>It runs its tasks in batches of up to {@value #MAX_TASKS_PER_READY}, each inside {@link MemberRuntime#batch}, so
 * what a batch made the node do becomes one Ready: many proposals and messages, one write and one append per
 * follower. The runtime drives the node, publishes its lease and checks the clock for a suspension; this loop keeps
 * the soft state of the Readys the runtime hands out ({@link #recordingSoftState}) for other threads to read.
 *
 * <p>A task nobody waits for can be queued with {@link #executeDeferred}: it does not wake the thread, it runs at the
 * thread's next wake-up (a peer's message, a proposal, a tick) or before the thread next parks. On two cores shared by
 * three members a wake-up (futex, context switch, the sleeping thread's cache gone cold) costs more than most tasks.
 */
final class RaftLoop implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);

    /** Tasks run before one Ready is handed out: large enough to batch, small enough to keep ticks on time. */
    private static final int MAX_TASKS_PER_READY = 256;
    /**
     * Messages from peers queued beyond this are dropped (Raft resends what is lost): a flood of them, or a raft
     * thread that falls behind, never grows the heap without bound. Counted in messages, not tasks: one task carries
     * a read burst of any size ({@link #offerPeerMessages}). Client requests have bounds of their own (Admission).
     */
    static final int MAX_QUEUED_PEER_MESSAGES = 16_384;

    private final RaftNode node;
    private final long tickNanos;
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    /** Tasks that ride on the next wake-up instead of causing one ({@link #executeDeferred}). */
    private final ConcurrentLinkedQueue<Runnable> deferred = new ConcurrentLinkedQueue<>();
    /** Peer messages queued in {@link #tasks} and not yet stepped ({@link #offerPeerMessages}). */
    private final AtomicInteger queuedPeerMessages = new AtomicInteger();
    private final Thread thread;
    /** The runtime this loop is the raft stage of (set once, before the thread starts). */
    private MemberRuntime<?> runtime;
    private Consumer<Throwable> onFailure;
    private volatile boolean running = true;
    private volatile SoftState softState;

    RaftLoop(RaftNode node, long tickNanos) {
        this.node = node;
        this.tickNanos = tickNanos;
        this.softState = node.softState();
        this.thread = new Thread(this::run, "keel-raft-" + Long.toHexString(node.id()));
        thread.setDaemon(true); // the embedding program decides when the JVM ends; close() ends this thread
    }

    /**
     * Starts the thread as {@code runtime}'s raft stage: it starts the runtime (what a restarted node has to do is
     * handed out before any task or tick), then ticks it and runs its tasks in batches of one Ready; the runtime
     * drives the node, publishes its lease and checks its clock for a suspension. The runtime must drive this loop's
     * node, and its observer must pass through {@link #recordingSoftState} for {@link #softState()} to follow it.
     */
    void start(MemberRuntime<?> runtime, Consumer<Throwable> onFailure) {
        if (runtime.node() != node) {
            throw new IllegalArgumentException("the runtime drives member " + Long.toHexString(runtime.node().id())
                    + ", this raft thread's node is member " + Long.toHexString(node.id()));
        }
        this.runtime = runtime;
        this.onFailure = onFailure;
        thread.start();
    }

    /**
     * The runtime's observer: records each Ready's soft state for {@link #softState()} (and logs a change of role or
     * leader), then tells {@code next}. Runs on the raft stage, before any of the Ready is acted on.
     */
    RuntimeObserver recordingSoftState(RuntimeObserver next) {
        return new RuntimeObserver() {
            @Override
            public void readyHandedOut(Ready ready) {
                recordSoftState(ready);
                next.readyHandedOut(ready);
            }

            @Override
            public void failed(Throwable cause) {
                next.failed(cause);
            }
        };
    }

    RaftNode node() {
        return node;
    }

    /** Queues a task for the raft thread. Tasks queued after stop are dropped: nobody is left to run them. */
    @Override
    public void execute(Runnable task) {
        if (running) tasks.add(task);
    }

    /**
     * Queues a task for the raft thread without waking it: it runs before the next task the thread wakes for, or
     * before the thread parks if it is busy now, and at the latest at the next tick. For work that only needs to
     * happen eventually (bookkeeping) or whose waiter wakes the thread itself.
     *
     * <p>What makes it safe to skip the wake-up is the caller's to decide, and the decision is race-free this way:
     * the caller queues the task first and reads the raft thread's state after; the raft thread publishes its state
     * first and looks at this queue after, before parking. With both through volatile accesses, either the caller
     * sees the new state (and wakes the thread with {@link #execute}) or the raft thread sees the task.
     */
    void executeDeferred(Runnable task) {
        if (running) deferred.add(task);
    }

    /**
     * Queues {@code step}, which steps {@code messages} peer messages (one, or a read burst), as one task; false, and
     * dropped, if they would take the peer messages queued past {@link #MAX_QUEUED_PEER_MESSAGES} (Raft resends
     * what is lost). One weighted bound: a burst counts as the messages it carries, so bundling them into one task
     * (one wake-up) admits no more of them than queuing each alone would.
     */
    boolean offerPeerMessages(int messages, Runnable step) {
        if (!running) return false;
        if (queuedPeerMessages.addAndGet(messages) > MAX_QUEUED_PEER_MESSAGES) {
            queuedPeerMessages.addAndGet(-messages);
            return false;
        }
        tasks.add(() -> {
            queuedPeerMessages.addAndGet(-messages); // taken off the queue: no longer counted against the bound
            step.run();
        });
        return true;
    }

    /** Peer messages queued and not yet stepped (for tests and diagnostics). */
    int queuedPeerMessages() {
        return queuedPeerMessages.get();
    }

    SoftState softState() {
        return softState;
    }

    boolean onLoopThread() {
        return Thread.currentThread() == thread;
    }

    /** Stops the thread after the task it is running; waits for it. */
    void stop() {
        running = false;
        tasks.add(() -> { });
        if (Thread.currentThread() != thread) Threads.joinUninterruptibly(thread);
    }

    private void run() {
        long nextTick = System.nanoTime() + tickNanos;
        try {
            runtime.start();
            while (running) {
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    runtime.tick(); // at the runtime's clock, which also checks it for a suspension
                    // Ticks keep their cadence from the clock, not from when the last tick ran.
                    nextTick = Math.max(nextTick + tickNanos, now);
                }
                // Before parking: what was deferred while this thread was busy (executeDeferred's half of the
                // handshake: the state handed out by the last Ready is published, now the queue is read). If any
                // ran, its Ready published new state: no parking in this round (the queue is read again first), but
                // the tasks are still taken, so a stream of deferred tasks never starves them.
                boolean ranDeferred = !deferred.isEmpty() && inOneReady(this::runDeferred) > 0;
                Runnable first = ranDeferred ? tasks.poll()
                        : tasks.poll(Math.max(0, nextTick - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (first != null || !deferred.isEmpty()) inOneReady(() -> runTasks(first));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            running = false;
            LOG.error("raft thread of member {} stopped: {}", Long.toHexString(node.id()), t.toString(), t);
            onFailure.accept(t);
        }
    }

    /**
     * Runs {@code tasks} (which says how many ran) and hands out what they made the node do as one Ready: many
     * proposals and messages become one persist and one append per follower. Safe to batch because nothing leaves
     * this thread between the tasks: messages go out only once the batch ends, after the lease is published.
     */
    private int inOneReady(IntSupplier tasks) {
        int[] ran = new int[1];
        runtime.batch(() -> ran[0] = tasks.getAsInt());
        return ran[0];
    }

    /**
     * Deferred tasks first: one may be what the waking task's outcome depends on (a durable write's hand-back before
     * the commit that needs it). Then {@code first} and what is queued after it, up to a bound so ticks are never
     * starved. Returns how many ran.
     */
    private int runTasks(Runnable first) {
        int n = runDeferred();
        Runnable task = first;
        while (task != null && running) {
            task.run();
            if (++n >= MAX_TASKS_PER_READY) break;
            task = tasks.poll();
            // A task queued after a deferred one finds it run, also when this thread took it without parking in
            // between (it was still busy with the batch): the promise above holds either way.
            if (task != null) n += runDeferred();
        }
        return n;
    }

    /** Runs the deferred tasks, up to the same bound as tasks (ticks are never starved); returns how many ran. */
    private int runDeferred() {
        int n = 0;
        Runnable task;
        while (n < MAX_TASKS_PER_READY && running && (task = deferred.poll()) != null) {
            task.run();
            n++;
        }
        return n;
    }

    private void recordSoftState(Ready r) {
        SoftState s = r.softState();
        if (s == null) return;
        softState = s;
        LOG.info("member {} is {} in term {}, leader {}", Long.toHexString(node.id()), s.role(), s.term(),
                s.leaderId() == 0 ? "unknown" : Long.toHexString(s.leaderId()));
    }
}
