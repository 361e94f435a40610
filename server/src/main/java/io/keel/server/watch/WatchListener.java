package io.keel.server.watch;

import io.keel.storage.mvcc.api.Event;

import java.util.List;

/**
 * Receives an embedded watch's events. Calls come one at a time, in order, on a watch listener thread; a slow
 * listener delays only its own watch (which then catches up from the store).
 */
@FunctionalInterface
public interface WatchListener {
    /**
     * Events of one or more whole revisions, in revision order (a transaction's events always come together);
     * every change up to {@code revision} has now been delivered.
     */
    void onEvents(List<Event> events, long revision);

    /** No events, but everything up to {@code revision} has been delivered (progress notification). */
    default void onProgress(long revision) {
    }

    /**
     * The watch ended without {@link Watch#close()}: its history was compacted before it could be delivered
     * ({@code compactRevision} &gt; 0; start again from a recent revision), or the member stopped ({@code reason}).
     * No call follows.
     */
    default void onCanceled(long compactRevision, String reason) {
    }
}
