package io.keel.server.gateway;

import java.util.ArrayDeque;
import java.util.Queue;

/**
 * --max-concurrent-streams for the gateway's calls: etcd's gateway reaches etcd over one gRPC connection, so all of
 * its calls together share one connection's stream limit; a call past it waits until another ends, as an HTTP/2
 * client waits for a free stream.
 */
final class StreamPermits {
    private final Queue<Runnable> waiting = new ArrayDeque<>();
    private int free;

    StreamPermits(int streams) {
        this.free = streams;
    }

    /** Runs {@code start} now if a stream is free, else once one is; the call must {@link #release()} when it ends. */
    void run(Runnable start) {
        synchronized (this) {
            if (free == 0) {
                waiting.add(start);
                return;
            }
            free--;
        }
        start.run();
    }

    /** A call ended: its stream goes to the longest-waiting call, or back to the pool. */
    void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                free++;
                return;
            }
        }
        next.run();
    }
}
