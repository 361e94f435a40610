package io.keel.raft;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.List;

/**
 * One batch of work for the caller. The caller:
 * <ol>
 *   <li>sends {@link #messages()} at once (the leader's appends go out while it writes its own log, thesis §10.2.1);</li>
 *   <li>installs {@link #snapshot()} if present, then durably writes {@link #entries()} and {@link #hardState()}
 *       (one atomic, synced write); persists are completed in the order the Readys were handed out;</li>
 *   <li>then, and only then, sends {@link #messagesAfterPersist()} (they promise that the data is on disk) and calls
 *       {@link RaftNode#persisted(Ready)};</li>
 *   <li>applies {@link #committedEntries()} in order, records {@link #confState()} with the applied index, and calls
 *       {@link RaftNode#applied(long)};</li>
 *   <li>answers {@link #readStates()} once the applied index reaches each one's index.</li>
 * </ol>
 * Steps 1, 2-3 and 4 may run on different threads; raft-core itself is single-threaded.
 *
 * <p>What to write is decided by raft-core, once for every caller: {@link #hardState()} is present exactly when
 * the Ready must be written (new entries, a snapshot, or a new term or vote), and then it carries the newest
 * commit index too, so the commit index on disk never lags behind the entries written with it. A Ready that only
 * advances the commit index has none and is not written: the commit index is volatile (thesis Figure 3.1).
 */
public record Ready(HardState hardState, List<Entry> entries, SnapshotMetadata snapshot,
                    List<Message> messages, List<Message> messagesAfterPersist, List<Entry> committedEntries,
                    List<ReadState> readStates, ConfState confState, SoftState softState) {

    /**
     * Whether anything must be written durably before messagesAfterPersist are sent: the one rule the server, the
     * simulation and the scenario harness share.
     */
    public boolean mustPersist() {
        return hardState != null || !entries.isEmpty() || snapshot != null;
    }

    /** The last entry of this batch, or null. */
    public Entry lastEntry() {
        return entries.isEmpty() ? null : entries.get(entries.size() - 1);
    }
}
