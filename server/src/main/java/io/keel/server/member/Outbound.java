package io.keel.server.member;

import io.keel.raft.RaftNode;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.snapshot.SnapshotExport;
import io.keel.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * Sends a Ready's messages through the transport. {@code send} never blocks; what the transport drops, Raft
 * resends. A MSG_SNAPSHOT goes on its own stream: the store is exported off the raft thread and the transfer's
 * outcome goes to {@link SnapshotReport} (which hands it to {@link RaftNode#reportSnapshot} on the raft thread).
 */
final class Outbound implements io.keel.raft.runtime.Transport {
    private static final Logger LOG = LoggerFactory.getLogger(Outbound.class);

    /** Told, from a snapshot sender's thread, whether a snapshot reached {@code peer}. */
    interface SnapshotReport {
        void report(long peer, boolean delivered);
    }

    private final Transport transport;
    private final StoreRef store;
    private final ExecutorService snapshotSender;
    private final SnapshotReport report;
    private final MemberObserver observer;

    Outbound(Transport transport, StoreRef store, ExecutorService snapshotSender, SnapshotReport report,
             MemberObserver observer) {
        this.transport = transport;
        this.observer = observer;
        this.store = store;
        this.snapshotSender = snapshotSender;
        this.report = report;
    }

    /**
     * A Ready's messages go to the transport in one call, so each peer's I/O thread is woken once for the lot and
     * writes them with one flush; snapshots go on their own streams. Called from the raft thread and the sync thread
     * (also as the member runtime's {@link io.keel.raft.runtime.Transport}). The observer sees every message handed
     * over, snapshots included, wherever it was sent from.
     */
    @Override
    public void send(List<Message> messages) {
        observer.messagesSent(messages);
        List<Message> plain = messages;
        for (Message m : messages) {
            if (m.getType() == MessageType.MSG_SNAPSHOT) {
                plain = new ArrayList<>(messages.size());
                for (Message n : messages) {
                    if (n.getType() == MessageType.MSG_SNAPSHOT) sendSnapshot(n);
                    else plain.add(n);
                }
                break;
            }
        }
        if (!plain.isEmpty()) transport.sendAll(plain);
    }

    private void sendSnapshot(Message meta) {
        long peer = meta.getTo();
        snapshotSender.execute(() -> {
            try {
                // The export is at the store's applied index, at or past the log's snapshot index named in meta:
                // the follower then skips entries it already holds (the store answers AlreadyApplied).
                SnapshotExport export = store.read(MvccStore::exportSnapshot);
                LOG.info("sending a snapshot at applied index {} to member {}", export.manifest().appliedIndex(),
                        Long.toHexString(peer));
                transport.sendSnapshot(peer, meta, new SnapshotStream(export), SnapshotStream.size(export))
                        .whenComplete((v, e) -> report.report(peer, e == null));
            } catch (RuntimeException e) {
                LOG.warn("could not send a snapshot to member {}: {}", Long.toHexString(peer), e.toString());
                report.report(peer, false);
            }
        });
    }
}
