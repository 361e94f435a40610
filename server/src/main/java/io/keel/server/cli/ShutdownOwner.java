package io.keel.server.cli;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides who ends the process when a signal and a stop of its own (a failure, a child's exit) race: the first to
 * claim it. A signal's shutdown hook stops everything and halts with exit code 0 (the JVM would otherwise exit with
 * 128 + the signal); the main thread that lost the race must not call System.exit (it would block behind the hook),
 * so it waits for the halt.
 */
final class ShutdownOwner {
    private static final int RUNNING = 0;
    private static final int SIGNAL = 1;
    private static final int SELF = 2;

    private final AtomicInteger state = new AtomicInteger(RUNNING);

    /** Neither a signal nor the process itself has started stopping. */
    boolean running() {
        return state.get() == RUNNING;
    }

    /** In the shutdown hook: true if a signal started this shutdown, false if the process is exiting by itself. */
    boolean claimForSignal() {
        return state.compareAndSet(RUNNING, SIGNAL);
    }

    /** On the main thread before exiting by itself; never returns if a signal's shutdown is already under way. */
    void claimForSelfOrWait() {
        if (state.compareAndSet(RUNNING, SELF)) return;
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE); // the shutdown hook halts the JVM
            } catch (InterruptedException e) {
                // keep waiting: only the halt ends this
            }
        }
    }
}
