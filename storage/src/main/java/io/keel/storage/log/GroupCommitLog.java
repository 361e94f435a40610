package io.keel.storage.log;

import io.keel.storage.failure.StorageFailedException;
import io.keel.raft.Ready;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit in front of a {@link RocksLogStorage}: callers on any thread hand in {@link LogWrite}s; one sync thread
 * writes everything that arrived while the previous sync ran as one batch with one fsync. An fsync costs the same
 * for one write as for a hundred, so under load the disk's sync rate stops bounding the write rate.
 *
 * <p>Order: writes are applied in the order they were handed in, and their futures complete in that order, on the
 * sync thread (so a future's dependent actions run there: keep them short, or use the async variants). This is the
 * order {@link Ready}'s contract asks for: persists complete in the order the Readys were handed out.
 *
 * <p>Failure: if a sync fails, its writes and every write after it complete exceptionally with the store's
 * {@link StorageFailedException}, and {@link #persist} throws it from then on (fault 13). A write the log must
 * refuse (a gap) fails alone, as {@link RocksLogStorage#persist(LogWrite)} would.
 */
public final class GroupCommitLog implements AutoCloseable {
    /** A bound on one batch, so a burst does not build a batch of unbounded size and latency. */
    private static final int MAX_WRITES_PER_SYNC = 4096;

    private record Pending(LogWrite write, CompletableFuture<Void> durable) {
    }

    private final RocksLogStorage storage;
    private final SyncBatchStats stats = new SyncBatchStats();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayList<Pending> queue = new ArrayList<>(); // guarded by lock
    private boolean closing; // guarded by lock
    private final Thread syncer;

    public GroupCommitLog(RocksLogStorage storage) {
        this.storage = storage;
        this.syncer = new Thread(this::run, "keel-log-sync " + storage.directory().getFileName());
        syncer.setDaemon(true);
        syncer.start();
    }

    /** Queues a Ready's durable part; the future completes once it is on the disk. */
    public CompletableFuture<Void> persist(Ready ready) {
        return persist(LogWrite.of(ready));
    }

    /** Queues {@code write}; the future completes once it (and every write before it) is on the disk. */
    public CompletableFuture<Void> persist(LogWrite write) {
        storage.checkHealthy();
        CompletableFuture<Void> durable = new CompletableFuture<>();
        lock.lock();
        try {
            if (closing) {
                throw new IllegalStateException("the group commit log of " + storage.directory() + " is closed");
            }
            queue.add(new Pending(write, durable));
            if (queue.size() == 1) arrived.signal();
        } finally {
            lock.unlock();
        }
        return durable;
    }

    /** How many writes each sync carried so far. */
    public SyncBatchStats.Snapshot stats() {
        return stats.snapshot();
    }

    /** Writes what is queued, then stops the sync thread. Does not close the storage. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            arrived.signal();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == syncer) return; // closed from a completion: the thread ends after this group
        boolean interrupted = false;
        while (true) {
            try {
                syncer.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void run() {
        List<Pending> group = new ArrayList<>();
        List<LogWrite> writes = new ArrayList<>();
        RuntimeException failure = null;
        while (true) {
            group.clear();
            writes.clear();
            lock.lock();
            try {
                while (queue.isEmpty() && !closing) arrived.awaitUninterruptibly();
                if (queue.isEmpty()) return;
                int n = Math.min(queue.size(), MAX_WRITES_PER_SYNC);
                List<Pending> taken = queue.subList(0, n);
                group.addAll(taken);
                taken.clear();
            } finally {
                lock.unlock();
            }
            for (Pending p : group) writes.add(p.write());
            if (failure == null) {
                try {
                    long start = System.nanoTime();
                    RocksLogStorage.GroupResult result = storage.writeGroup(writes);
                    if (result.synced()) stats.record(writes.size(), result.entries(), System.nanoTime() - start);
                    for (int i = 0; i < group.size(); i++) {
                        RuntimeException refused = result.refused()[i];
                        if (refused == null) {
                            group.get(i).durable().complete(null);
                        } else {
                            group.get(i).durable().completeExceptionally(refused);
                        }
                    }
                    continue;
                } catch (RuntimeException e) {
                    failure = e; // the store has failed (or was closed): nothing after this may be acknowledged
                }
            }
            for (Pending p : group) p.durable().completeExceptionally(failure);
        }
    }
}
