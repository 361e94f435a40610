package io.keel.server.watch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The embedded face of a watch stream: hands updates to a {@link WatchListener} on a listener thread, one at a
 * time. It is ready only when the listener has finished with everything handed to it, so a slow listener leaves
 * its watch behind (to catch up from the store) instead of piling events up in memory.
 */
final class ListenerSink implements WatchSink {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerSink.class);

    private final WatchListener listener;
    private final Executor executor;
    private final ConcurrentLinkedQueue<Runnable> calls = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile WatchStream stream;
    private volatile boolean done;

    /** The member's id (hex), for the log. */
    private final String member;

    ListenerSink(WatchListener listener, Executor executor, String member) {
        this.listener = listener;
        this.executor = executor;
        this.member = member;
    }

    void attach(WatchStream s) {
        this.stream = s;
    }

    boolean isDone() {
        return done;
    }

    void close() {
        done = true;
    }

    @Override
    public boolean isReady() {
        return calls.isEmpty() && !running.get();
    }

    @Override
    public void send(WatchUpdate u) {
        if (u.created()) {
            if (!u.canceled()) return; // nothing to tell: the watch runs
            end(0, u.cancelReason());
        } else if (u.canceled()) {
            end(u.compactRevision(), u.cancelReason());
        } else if (!u.events().isEmpty()) {
            call(() -> listener.onEvents(u.events(), u.revision()));
        } else {
            call(() -> listener.onProgress(u.revision()));
        }
    }

    @Override
    public void fail(RuntimeException cause) {
        end(0, String.valueOf(cause.getMessage()));
    }

    private void end(long compactRevision, String reason) {
        call(() -> {
            done = true;
            WatchStream s = stream;
            if (s != null) s.close();
            listener.onCanceled(compactRevision, reason);
        });
    }

    private void call(Runnable c) {
        calls.add(c);
        drain();
    }

    private void drain() {
        if (!running.compareAndSet(false, true)) return;
        try {
            executor.execute(this::runCalls);
        } catch (RejectedExecutionException e) {
            running.set(false);
            calls.clear(); // the member is closing
        }
    }

    private void runCalls() {
        try {
            for (Runnable c; (c = calls.poll()) != null; ) {
                if (done) {
                    calls.clear();
                    break;
                }
                try {
                    c.run();
                } catch (RuntimeException e) {
                    LOG.warn("member {}: a watch listener threw; the watch goes on", member, e);
                }
            }
        } finally {
            running.set(false);
        }
        if (!calls.isEmpty()) {
            drain();
        } else {
            WatchStream s = stream;
            if (s != null) s.ready();
        }
    }
}
