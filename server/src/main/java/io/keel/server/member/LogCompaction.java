package io.keel.server.member;

import io.keel.raft.proto.ConfState;
import io.keel.server.concurrent.Futures;
import io.keel.server.concurrent.NamedThreads;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.MvccStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Compacts the Raft log beside the apply thread, not on it. Entries may leave the log only once the store holding
 * their effect is durable (the store's applies are not synced one by one), and making it durable is a flush of every
 * column family: 60-120 ms for 10,000 puts on a loaded two-core machine. Done on the apply thread, as it was, every
 * write at the member stopped for that long every {@code snapshot-count} entries, which set the p99 of its puts.
 *
 * <p>At most one round runs at a time; the apply thread asks for the next one after it ended. A round that fails
 * stops the member (the store's and the log's own failures already stop it: fail-stop, never retried).
 */
final class LogCompaction implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogCompaction.class);

    private final RocksLogStorage log;
    private final Executor worker;
    private final Consumer<Throwable> onFailure;
    /** Stops the worker's thread when this one owns it ({@link #onItsOwnThread}); nothing otherwise. */
    private final Runnable stopWorker;
    /** The running round, or a completed one (apply thread, and close). */
    private volatile CompletableFuture<Void> running = CompletableFuture.completedFuture(null);
    private volatile boolean closed;

    /** A member's: rounds on a thread of its own, {@code keel-log-compaction-<member>}, stopped by {@link #close}. */
    static LogCompaction onItsOwnThread(RocksLogStorage log, Consumer<Throwable> onFailure) {
        ExecutorService thread = Executors.newSingleThreadExecutor(
                NamedThreads.single("keel-log-compaction-" + Long.toHexString(log.identity().memberId())));
        return new LogCompaction(log, thread, onFailure, thread::shutdown);
    }

    /** {@code worker} runs the rounds (a test's: at once, or held); {@code onFailure} stops the member. */
    LogCompaction(RocksLogStorage log, Executor worker, Consumer<Throwable> onFailure) {
        this(log, worker, onFailure, () -> { });
    }

    private LogCompaction(RocksLogStorage log, Executor worker, Consumer<Throwable> onFailure, Runnable stopWorker) {
        this.log = log;
        this.worker = worker;
        this.onFailure = onFailure;
        this.stopWorker = stopWorker;
    }

    /** Whether a round is running (then the apply thread asks again after a later batch). */
    private boolean running() {
        return !running.isDone();
    }

    /**
     * Apply thread: compacts the log through {@code index}, whose configuration is {@code confState}, once
     * {@code store} (which has applied {@code index}) is durable through it. Returns at once.
     */
    void compactThrough(MvccStore store, long index, ConfState confState) {
        if (closed || running()) return;
        running = CompletableFuture.runAsync(() -> round(store, index, confState), worker)
                .exceptionally(failure -> {
                    if (!closed) onFailure.accept(Futures.unwrap(failure));
                    return null;
                });
    }

    private void round(MvccStore store, long index, ConfState confState) {
        long durable = store.sync();
        if (durable < index) {
            throw new IllegalStateException("the store is durable through " + durable + " but Raft applied "
                    + index + ": refusing to compact the log past what the store holds");
        }
        log.compact(index, confState);
        LOG.info("member {} compacted its log through index {}", Long.toHexString(log.identity().memberId()), index);
    }

    /**
     * Apply thread, before the store is replaced by a snapshot: waits for the running round, which works on the
     * store being replaced.
     */
    void awaitIdle() {
        running.join();
    }

    /**
     * Takes no more rounds, waits for the running one (before the log and the store close) and stops the thread of
     * its own, if it has one.
     */
    @Override
    public void close() {
        closed = true;
        try {
            running.join();
        } finally {
            stopWorker.run();
        }
    }
}
