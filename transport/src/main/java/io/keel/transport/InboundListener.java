package io.keel.transport;

import io.keel.raft.proto.Message;

import java.nio.file.Files;
import java.util.List;

/** Where received messages and snapshots go: the server, which hands them to its Raft thread. */
public interface InboundListener {
    /**
     * A message from a peer that passed the handshake; its {@code from} is that peer and its {@code to} this member.
     * Called on a transport I/O thread, in the order the peer sent them on that connection: it must not block.
     */
    void onMessage(Message message);

    /**
     * The messages one turn of the transport's event loop read from the peers' connections (each as
     * {@link #onMessage} describes): one peer's, or several peers' when their messages arrived together, each peer's
     * in the order it sent them. The transport calls this, not {@link #onMessage}, so a listener that hands messages
     * to another thread can hand them all over with one hand-off (one wake-up) instead of one per message or per
     * peer. At most 256 messages a call. The list is the listener's to keep. By default each goes to
     * {@link #onMessage}.
     */
    default void onMessages(List<Message> messages) {
        for (Message m : messages) onMessage(m);
    }

    /**
     * A whole snapshot, checksum verified. Called on a snapshot I/O thread (blocking is fine). Returning normally
     * confirms it to the sender, and the file then belongs to the listener (move or delete it); throwing refuses
     * it, the file is deleted and the sender's {@link Transport#sendSnapshot} fails.
     */
    default void onSnapshot(Message meta, ReceivedSnapshot snapshot) throws Exception {
        Files.deleteIfExists(snapshot.file());
        throw new SnapshotTransferException("this member takes no snapshots");
    }
}
