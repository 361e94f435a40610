package io.keel.server.watch;

import io.keel.storage.mvcc.api.ChangeBatch;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.api.KeyRange;

/**
 * Where watches read their events: the member's store, which holds only applied (so committed) entries. Watchers
 * pull from it by revision, so a watcher that falls behind simply reads further back later.
 */
public interface ChangeSource {
    /**
     * Changes to {@code range} from {@code fromRevision} on, whole revisions only, about {@code maxEvents} at most.
     *
     * @throws RevisionCompactedException if {@code fromRevision} is below the compacted revision
     */
    ChangeBatch changesSince(long fromRevision, KeyRange range, boolean withPrevKv, int maxEvents);

    /** The store's current revision. */
    long revision();
}
