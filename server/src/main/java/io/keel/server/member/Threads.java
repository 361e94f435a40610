package io.keel.server.member;

import java.util.concurrent.CountDownLatch;

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
}
