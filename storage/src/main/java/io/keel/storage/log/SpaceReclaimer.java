package io.keel.storage.log;

import io.keel.storage.failure.FailStop;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.RocksDBException;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Compacts the deleted prefix of the log in the background, so the space of compacted entries comes back soon instead
 * of whenever RocksDB would compact those files on its own. Requests made while one runs are merged into one more
 * run. Best effort for space, but a failure is still a disk failure: the store fails (fault 13).
 */
final class SpaceReclaimer implements AutoCloseable {
    private final LogDatabase db;
    private final FailStop failStop;
    private final Object lock = new Object();
    private final AtomicLong wanted = new AtomicLong();
    private Thread worker; // guarded by lock
    private CompactRangeOptions running; // guarded by lock
    private boolean closed; // guarded by lock

    SpaceReclaimer(LogDatabase db, FailStop failStop) {
        this.db = db;
        this.failStop = failStop;
    }

    /** Asks for the keys below {@code index} to be compacted away. */
    void reclaimBelow(long index) {
        wanted.accumulateAndGet(index, Math::max);
        synchronized (lock) {
            if (closed || worker != null) return;
            worker = new Thread(this::run, "keel-log-reclaim " + db.dir.getFileName());
            worker.setDaemon(true);
            worker.start();
        }
    }

    private void run() {
        long done = 0;
        while (true) {
            long upTo;
            CompactRangeOptions options;
            synchronized (lock) {
                upTo = wanted.get(); // read under the lock: a request that saw this worker running is never lost
                if (closed || upTo <= done) {
                    worker = null;
                    return;
                }
                // Force the bottommost level too: that is where the deleted entries' files usually sit.
                options = new CompactRangeOptions()
                        .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForceOptimized);
                running = options;
            }
            try {
                db.db.compactRange(db.log, LogKeys.of(0), LogKeys.of(upTo), options);
                done = upTo;
            } catch (RocksDBException e) {
                synchronized (lock) {
                    if (!closed) failStop.fail("compacting the log below entry " + upTo, e);
                    worker = null;
                    return;
                }
            } finally {
                synchronized (lock) {
                    running = null;
                }
                options.close();
            }
        }
    }

    /** Waits until no reclaiming is running or pending (tests, and the owner before measuring space). */
    void awaitIdle() {
        while (true) {
            Thread w;
            synchronized (lock) {
                w = worker;
            }
            if (w == null) return;
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Cancels a running compaction and waits for it to stop; the database is closed after this. */
    @Override
    public void close() {
        Thread w;
        synchronized (lock) {
            closed = true;
            if (running != null) running.setCanceled(true);
            w = worker;
        }
        if (w == null) return;
        boolean interrupted = false;
        while (true) {
            try {
                w.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
