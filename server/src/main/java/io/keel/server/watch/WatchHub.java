package io.keel.server.watch;

import io.keel.server.MemberStoppedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keel.server.concurrent.NamedThreads;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A member's watches: every watch stream, fed from the member's store. The apply pipeline calls
 * {@link #notifyApplied()} after each applied batch; that only schedules work, and the streams pull their events
 * from the store on the hub's own threads. The gRPC Watch service and the embedded {@link #watch} both use it.
 */
public final class WatchHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);

    /** etcd's default progress notification interval (--experimental-watch-progress-notify-interval). */
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofMinutes(10);
    /** Events read from the store per pull (whole revisions: a large transaction may exceed it). */
    static final int MAX_EVENTS_PER_PULL = 256;
    private static final int DELIVERY_THREADS = 2;

    private final String name;
    private final ChangeSource source;
    private final ScheduledExecutorService delivery;
    private final ExecutorService listeners;
    private final Set<WatchStream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean fanOutScheduled = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * @param name             for thread names and logs (the member id)
     * @param progressInterval how often watches asking for progress notification get one when idle
     */
    public WatchHub(String name, ChangeSource source, Duration progressInterval) {
        this.name = name;
        this.source = Objects.requireNonNull(source);
        if (progressInterval.isNegative() || progressInterval.isZero()) {
            throw new IllegalArgumentException("the watch progress interval must be positive, was "
                    + progressInterval);
        }
        this.delivery = Executors.newScheduledThreadPool(DELIVERY_THREADS, NamedThreads.numbered("keel-watch-" + name));
        this.listeners = Executors.newCachedThreadPool(NamedThreads.numbered("keel-watch-listener-" + name));
        long every = progressInterval.toNanos();
        delivery.scheduleAtFixedRate(this::tick, every, every, TimeUnit.NANOSECONDS);
    }

    /** Opens a stream delivering to {@code sink}. */
    public WatchStream open(WatchSink sink) {
        WatchStream stream = new WatchStream(this, sink, source, delivery, MAX_EVENTS_PER_PULL);
        streams.add(stream);
        if (closed) { // raced with close(): the delivery threads are gone
            streams.remove(stream);
            stream.fail(stopped());
        }
        return stream;
    }

    /**
     * Watches from the embedded API: the listener is called on a thread of its own (one call at a time, in order),
     * so a slow listener holds up only its own watch. Throws IllegalArgumentException for a watch etcd would refuse.
     */
    public Watch watch(WatchOptions options, WatchListener listener) {
        byte[] key = options.key().length == 0 ? new byte[] {0} : options.key();
        String refusal = WatchStream.refusal(key, options);
        if (refusal != null) throw new IllegalArgumentException(refusal);
        ListenerSink sink = new ListenerSink(Objects.requireNonNull(listener), listeners, name);
        WatchStream stream = open(sink);
        sink.attach(stream);
        stream.create(options.withWatchId(0));
        return new Watch(stream, sink);
    }

    /** Apply thread, after each applied batch (and snapshot install): wakes the streams; never blocks. */
    public void notifyApplied() {
        // No stream, nothing to wake (most members, most of the time). A stream opened after this check pulls
        // from the store when its first watch is created, so it misses nothing applied before it existed.
        if (streams.isEmpty()) return;
        if (closed || !fanOutScheduled.compareAndSet(false, true)) return;
        try {
            delivery.execute(() -> {
                fanOutScheduled.set(false);
                for (WatchStream s : streams) s.signal();
            });
        } catch (RejectedExecutionException e) {
            fanOutScheduled.set(false); // closing
        }
    }

    /** Streams open now (for tests and metrics). */
    public int streamCount() {
        return streams.size();
    }

    /** Watches on all open streams (for tests and metrics). */
    public int watchCount() {
        int n = 0;
        for (WatchStream s : streams) n += s.watchCount();
        return n;
    }

    void remove(WatchStream stream) {
        streams.remove(stream);
    }

    private void tick() {
        for (WatchStream s : streams) s.tick();
    }

    /** Stops delivery; streams still open are failed as with a stopped etcd server. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        delivery.shutdown();
        try {
            if (!delivery.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("watch threads of member {} did not stop within 10 s", name);
                delivery.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            delivery.shutdownNow();
        }
        MemberStoppedException stopped = stopped();
        for (WatchStream s : streams) {
            try {
                s.fail(stopped);
            } catch (RuntimeException e) {
                LOG.debug("failing a watch stream of member {}: {}", name, e.toString());
            }
        }
        streams.clear();
        listeners.shutdown(); // listener calls already queued still run, ending with onCanceled
    }

    private MemberStoppedException stopped() {
        return new MemberStoppedException("member " + name + " is stopped", null);
    }
}
