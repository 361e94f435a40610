package io.keel.server.member;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Thread helpers shared by the member's own threads. */
final class Threads {
    private Threads() {
    }

    /**
     * Waits until {@code thread} has ended, even if interrupted meanwhile (a member's stop must not return while
     * its thread may still touch the store); the caller's interrupt status is restored afterwards.
     */
    static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** As {@link #joinUninterruptibly}, for a latch: waits until it is counted down, whatever interrupts it. */
    static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (latch.getCount() > 0) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * Stops {@code executor}'s one thread after the task it is running, without interrupting it (a store write or a
     * snapshot install is not cut short), and waits for it as {@link #joinUninterruptibly} does; the tasks still
     * queued are dropped.
     */
    static void stopAfterCurrentTask(ThreadPoolExecutor executor) {
        executor.getQueue().clear();
        executor.shutdown();
        boolean interrupted = false;
        while (!executor.isTerminated()) {
            try {
                executor.awaitTermination(1, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
