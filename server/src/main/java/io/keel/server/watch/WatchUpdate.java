package io.keel.server.watch;

import io.keel.storage.mvcc.api.Event;

import java.util.List;

/**
 * One message on a watch stream, as etcd's WatchResponse carries it: events (whole revisions, in revision order),
 * or the answer to a create (created), a cancel or a compacted start (canceled, with compactRevision or a
 * cancelReason), or progress (no events: everything up to {@code revision} has been delivered). {@code
 * revision} is the response header's revision; {@code watchId} is -1 for a stream-wide progress answer.
 * {@code fragmentable} says the watch asked for large responses to be split (the gRPC face does the splitting).
 */
public record WatchUpdate(long watchId, long revision, List<Event> events, boolean created, boolean canceled,
                          long compactRevision, String cancelReason, boolean fragmentable) {

    /** The watch id etcd uses for what is not about one watch: a failed create, a stream-wide progress answer. */
    public static final long NO_WATCH = -1;

    static WatchUpdate created(long watchId, long revision) {
        return new WatchUpdate(watchId, revision, List.of(), true, false, 0, "", false);
    }

    static WatchUpdate refused(long revision, String reason) {
        return new WatchUpdate(NO_WATCH, revision, List.of(), true, true, 0, reason, false);
    }

    static WatchUpdate canceled(long watchId, long revision) {
        return new WatchUpdate(watchId, revision, List.of(), false, true, 0, "", false);
    }

    /** etcd sends this one with header revision 0, the compacted revision and no reason; so does Keel. */
    static WatchUpdate compacted(long watchId, long compactRevision) {
        return new WatchUpdate(watchId, 0, List.of(), false, true, compactRevision, "", false);
    }

    static WatchUpdate events(long watchId, long revision, List<Event> events, boolean fragmentable) {
        return new WatchUpdate(watchId, revision, events, false, false, 0, "", fragmentable);
    }

    static WatchUpdate progress(long watchId, long revision) {
        return new WatchUpdate(watchId, revision, List.of(), false, false, 0, "", false);
    }

    /** A progress notification: no events, not a create or cancel answer. */
    public boolean isProgress() {
        return events.isEmpty() && !created && !canceled;
    }
}
