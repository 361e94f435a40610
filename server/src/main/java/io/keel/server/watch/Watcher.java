package io.keel.server.watch;

import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyRange;

import java.util.ArrayList;
import java.util.List;

/** One watch on a stream: what it covers and the next revision it has not yet been given. Stream thread only. */
final class Watcher {
    final long id;
    final KeyRange range;
    final boolean prevKv;
    final boolean noPut;
    final boolean noDelete;
    final boolean progressNotify;
    final boolean fragment;
    long next;
    /** Events were sent since the last progress tick: etcd then skips that tick's notification. */
    boolean sentSinceTick;
    /** A periodic progress notification is owed, to be sent once the watcher has caught up. */
    boolean progressDue;

    Watcher(long id, KeyRange range, WatchOptions o, long next) {
        this.id = id;
        this.range = range;
        this.prevKv = o.prevKv();
        this.noPut = o.noPut();
        this.noDelete = o.noDelete();
        this.progressNotify = o.progressNotify();
        this.fragment = o.fragment();
        this.next = next;
    }

    List<Event> filter(List<Event> events) {
        if (!noPut && !noDelete) return events;
        List<Event> kept = new ArrayList<>(events.size());
        for (Event e : events) {
            if (noPut && e.type() == Event.Type.PUT) continue;
            if (noDelete && e.type() == Event.Type.DELETE) continue;
            kept.add(e);
        }
        return kept;
    }
}
