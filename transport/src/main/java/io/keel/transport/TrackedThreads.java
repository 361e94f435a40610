package io.keel.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thread factory that remembers what it made, so {@link Transport#close()} can wait until every thread has
 * actually exited. An executor reports itself terminated a moment before its last worker thread ends; an embedding
 * application that checks for leaked threads right after close() must not see that moment.
 */
final class TrackedThreads implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();
    private final List<Thread> made = new CopyOnWriteArrayList<>();

    TrackedThreads(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread t = new Thread(task, prefix + "-" + count.incrementAndGet());
        // Daemon threads: a member that forgot to close its transport must still be able to exit.
        t.setDaemon(true);
        made.add(t);
        return t;
    }

    /** Waits, at most {@code timeout} in total, for every thread made here to end; false if one is still alive. */
    boolean join(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : made) {
            if (t == Thread.currentThread()) continue; // closed from one of our own threads: it ends after us
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) t.join(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (t.isAlive()) return false;
        }
        return true;
    }
}
