package io.keel.server.watch;

import io.keel.storage.mvcc.api.ChangeBatch;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyRange;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client's watch stream (etcd's serverWatchStream): its watches and where they deliver. Requests (create, cancel,
 * progress) may come from any thread; they are queued and carried out, like all delivery, by one task at a time on
 * the hub's watch threads, so the sink is never called concurrently and the apply thread never waits.
 *
 * <p>Each watcher holds the next revision it has not been given and pulls whole revisions from the store's change
 * feed. Nothing is buffered per watcher: while the sink is not ready the watchers simply stay behind, and catch up
 * from the store when it is (a watcher whose next revision was compacted meanwhile is canceled with the compacted
 * revision, as etcd does). One task turn pulls a bounded number of batches, then yields the thread to other streams.
 */
public final class WatchStream implements AutoCloseable {
    /** Batches pulled in one turn before the thread is handed to the next stream. */
    private static final int PULLS_PER_TURN = 64;
    /** Requests are read from the client only while fewer answers than this wait for the sink. */
    public static final int MAX_QUEUED_ANSWERS = 16;
    /** A catch-up response is closed at the first revision boundary past this many (estimated) bytes. */
    static final long RESPONSE_BYTES = 1024 * 1024;

    static final String EMPTY_RANGE = "mvcc: watcher range is empty";
    static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
    static final String NEGATIVE_START = "keel: start_revision must not be negative";

    private final WatchHub hub;
    private final WatchSink sink;
    private final ChangeSource source;
    private final Executor executor;
    private final int maxEventsPerPull;
    private final ConcurrentLinkedQueue<Runnable> requests = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean dirty;
    private volatile boolean closed;
    private volatile int watchCount; // for metrics and tests: watchers.size() as of the last change

    // Owned by the running task (one at a time; the scheduled flag orders them).
    private final Map<Long, Watcher> watchers = new LinkedHashMap<>();
    private final ArrayDeque<WatchUpdate> outbox = new ArrayDeque<>();
    private long nextAutoId;
    private boolean progressRequested;
    private int requestsOwed;

    WatchStream(WatchHub hub, WatchSink sink, ChangeSource source, Executor executor, int maxEventsPerPull) {
        this.hub = hub;
        this.sink = sink;
        this.source = source;
        this.executor = executor;
        this.maxEventsPerPull = maxEventsPerPull;
    }

    // ------------------------------------------------------------------ requests (any thread)

    /** Creates a watch; answered with a created update (or a refusal: created and canceled, with a reason). */
    public void create(WatchOptions options) {
        submit(() -> doCreate(options), true);
    }

    /** Refuses a watch create request (etcd's auth refusals): answered created and canceled, with {@code reason}. */
    public void refuse(String reason) {
        submit(() -> emit(WatchUpdate.refused(source.revision(), reason)), true);
    }

    /** Cancels a watch; answered with a canceled update if it existed (etcd answers nothing otherwise). */
    public void cancel(long watchId) {
        submit(() -> doCancel(watchId), true);
    }

    /** etcd's WatchProgressRequest: answered (watch id -1) once every watch has been given all up to a revision. */
    public void requestProgress() {
        submit(() -> progressRequested = true, true);
    }

    /** A request the stream does not understand: ignored as etcd does, but it counts for inbound flow control. */
    public void ignore() {
        submit(() -> { }, true);
    }

    /** The sink can take more: deliver what is waiting. */
    public void ready() {
        signal();
    }

    /** Ends the stream (the client went away or closed it); no more calls to the sink. */
    @Override
    public void close() {
        closed = true;
        hub.remove(this);
    }

    /**
     * Ends the stream with {@code cause} told to the client (etcd's "no leader" for a stream that requires one), on
     * the stream's own turn: the sink is only ever called from one.
     */
    public void end(RuntimeException cause) {
        submit(() -> {
            fail(cause);
            hub.remove(this);
        }, false);
    }

    /** The watches on this stream. */
    public int watchCount() {
        return watchCount;
    }

    // ------------------------------------------------------------------ from the hub

    /** Something was applied, or a request or a tick is waiting: make sure a turn runs. */
    void signal() {
        dirty = true;
        if (closed || !scheduled.compareAndSet(false, true)) return;
        try {
            executor.execute(this::turn);
        } catch (RejectedExecutionException e) {
            scheduled.set(false); // the hub is closing; it fails the stream itself
        }
    }

    /** The periodic progress tick: watchers asking for progress notification and sent nothing since the last one. */
    void tick() {
        submit(() -> {
            for (Watcher w : watchers.values()) {
                if (!w.progressNotify) continue;
                if (w.sentSinceTick) {
                    w.sentSinceTick = false;
                } else {
                    w.progressDue = true;
                }
            }
        }, false);
    }

    /** The hub is closing and no turn runs any more. */
    void fail(RuntimeException cause) {
        if (closed) return;
        closed = true;
        try {
            sink.fail(cause);
        } catch (RuntimeException e) {
            // The sink is broken too (the client went away): nothing more to tell it.
        }
    }

    private void submit(Runnable request, boolean fromClient) {
        requests.add(fromClient ? () -> {
            request.run();
            requestsOwed++;
        } : request);
        signal();
    }

    // ------------------------------------------------------------------ the task

    private void turn() {
        boolean again = false;
        try {
            dirty = false;
            if (!closed) again = deliver();
        } catch (RuntimeException e) {
            // The member stopped (its store refuses reads) or the sink broke: end the stream.
            fail(e);
            hub.remove(this);
        } finally {
            scheduled.set(false);
        }
        if (again || dirty) signal();
    }

    /** Returns true if there is more to do right away (the turn's budget ran out). */
    private boolean deliver() {
        try {
            for (Runnable r; (r = requests.poll()) != null; ) r.run();
            if (closed) return false; // a request ended the stream
            if (!flush()) return false;
            long revision = source.revision();
            int budget = PULLS_PER_TURN;
            boolean behind = true;
            while (behind) {
                behind = false;
                for (Watcher w : new ArrayList<>(watchers.values())) {
                    if (w.next > revision) continue;
                    if (budget == 0) return true;
                    if (!sink.isReady()) return false;
                    pull(w);
                    budget--;
                    if (w.next <= revision) behind = true;
                }
                if (!outbox.isEmpty()) return false; // the sink stopped being ready
            }
            // Every watcher has been given everything up to `revision`.
            answerProgress(revision);
            return false;
        } finally {
            if (requestsOwed > 0 && outbox.size() < MAX_QUEUED_ANSWERS) {
                sink.request(requestsOwed);
                requestsOwed = 0;
            }
        }
    }

    private void pull(Watcher w) {
        ChangeBatch batch;
        try {
            batch = source.changesSince(w.next, w.range, w.prevKv, maxEventsPerPull);
        } catch (RevisionCompactedException e) {
            watchers.remove(w.id);
            watchCount = watchers.size();
            emit(WatchUpdate.compacted(w.id, e.compactRevision()));
            return;
        }
        w.next = batch.nextRevision();
        List<Event> events = w.filter(batch.events());
        if (events.isEmpty()) return;
        // A header promises everything up to it was delivered: a chunk's last revision, and for the last chunk
        // the batch's end (at most the store's revision).
        List<List<Event>> chunks = chunks(events);
        for (int i = 0; i < chunks.size(); i++) {
            List<Event> chunk = chunks.get(i);
            long header = i < chunks.size() - 1 ? chunk.get(chunk.size() - 1).kv().modRevision()
                    : Math.min(batch.headerRevision(), batch.nextRevision() - 1);
            emit(WatchUpdate.events(w.id, header, chunk, w.fragment));
        }
        w.sentSinceTick = true;
        w.progressDue = false;
    }

    /**
     * Splits a catch-up batch into responses of about {@link #RESPONSE_BYTES}, only between revisions (a revision is
     * never split here; a fragmenting watch may still split one that is larger than the request limit).
     */
    static List<List<Event>> chunks(List<Event> events) {
        List<List<Event>> out = new ArrayList<>();
        List<Event> current = new ArrayList<>();
        long bytes = 0;
        long revision = -1;
        for (Event e : events) {
            long r = e.kv().modRevision();
            if (r != revision && !current.isEmpty() && bytes >= RESPONSE_BYTES) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            revision = r;
            current.add(e);
            bytes += size(e);
        }
        out.add(current);
        return out;
    }

    private static long size(Event e) {
        long n = 32L + e.kv().key().length + e.kv().value().length;
        if (e.prevKv() != null) n += 32L + e.prevKv().key().length + e.prevKv().value().length;
        return n;
    }

    private void answerProgress(long revision) {
        if (progressRequested) {
            progressRequested = false;
            emit(WatchUpdate.progress(WatchUpdate.NO_WATCH, revision));
        }
        for (Watcher w : watchers.values()) {
            if (w.progressDue) {
                w.progressDue = false;
                emit(WatchUpdate.progress(w.id, revision));
            }
        }
    }

    private void doCreate(WatchOptions o) {
        long revision = source.revision();
        // etcd: an empty key means "\0", the smallest key.
        byte[] key = o.key().length == 0 ? new byte[] {0} : o.key();
        String refusal = refusal(key, o);
        long id = o.watchId();
        if (refusal == null && id != 0 && watchers.containsKey(id)) refusal = DUPLICATE_ID;
        if (refusal != null) {
            emit(WatchUpdate.refused(revision, refusal));
            return;
        }
        if (id == 0) {
            while (watchers.containsKey(nextAutoId)) nextAutoId++;
            id = nextAutoId++;
        }
        long start = o.startRevision() == 0 ? revision + 1 : o.startRevision();
        watchers.put(id, new Watcher(id, new KeyRange(key, o.rangeEnd()), o, start));
        watchCount = watchers.size();
        emit(WatchUpdate.created(id, revision));
    }

    /** Why a watch cannot be created (etcd's texts), or null. */
    static String refusal(byte[] key, WatchOptions o) {
        byte[] end = o.rangeEnd();
        boolean bounded = end.length > 0 && !(end.length == 1 && end[0] == 0);
        if (bounded && Arrays.compareUnsigned(key, end) >= 0) return EMPTY_RANGE;
        if (o.startRevision() < 0) return NEGATIVE_START;
        return null;
    }

    private void doCancel(long id) {
        if (watchers.remove(id) == null) return;
        watchCount = watchers.size();
        emit(WatchUpdate.canceled(id, source.revision()));
    }

    /** Sends now if nothing waits and the sink is ready; otherwise queues (in order) for the next flush. */
    private void emit(WatchUpdate u) {
        if (outbox.isEmpty() && sink.isReady()) {
            sink.send(u);
        } else {
            outbox.add(u);
        }
    }

    private boolean flush() {
        while (!outbox.isEmpty() && sink.isReady()) sink.send(outbox.poll());
        return outbox.isEmpty();
    }
}
