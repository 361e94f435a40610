package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: one snapshot stream's file writes must stay in
 * order without each stream owning a thread.
 */
final class SerialExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor pool;
    /** The member whose tasks these are, for the log. */
    private final long localId;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor pool, long localId) {
        this.pool = pool;
        this.localId = localId;
    }

    @Override
    public synchronized void execute(Runnable task) {
        tasks.add(task);
        if (!running) {
            running = true;
            try {
                pool.execute(this::runAll);
            } catch (RuntimeException e) {
                tasks.remove(task);
                running = false;
                throw e;
            }
        }
    }

    private void runAll() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException | Error e) {
                // A task's own failure must not stall the tasks queued behind it.
                LOG.error("member {}: snapshot I/O task failed", Texts.id(localId), e);
            }
        }
    }
}
