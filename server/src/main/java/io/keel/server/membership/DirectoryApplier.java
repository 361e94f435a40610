package io.keel.server.membership;

import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.server.member.OperationCodec;
import io.keel.server.proto.ClientOp;
import io.keel.storage.mvcc.api.ClusterRecordWrite;
import io.keel.storage.mvcc.api.NoOp;
import io.keel.storage.mvcc.api.Operation;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The member directory on the apply thread: turns the committed entries that change it (membership changes, a
 * member's announcement or incarnation, a peer URL update) into a write of the store's cluster record in the same apply batch, so
 * the directory is durable with the applied index and travels with store snapshots. Publishes the new directory
 * once the batch is applied, then tells its listeners (on the apply thread; they must not block).
 */
public final class DirectoryApplier {
    private final List<Consumer<MemberDirectory>> listeners = new CopyOnWriteArrayList<>();
    private MemberDirectory working; // apply thread: as of the last entry translated
    private volatile MemberDirectory published; // as of the last applied batch
    private boolean changed; // apply thread

    public DirectoryApplier(MemberDirectory initial) {
        this.working = initial;
        this.published = initial;
    }

    /** The directory as of the last applied batch (or installed snapshot). */
    public MemberDirectory current() {
        return published;
    }

    /** Runs {@code listener} on the apply thread after each change to the directory. */
    public void addListener(Consumer<MemberDirectory> listener) {
        listeners.add(listener);
    }

    /**
     * Apply thread: the store operation for a committed entry and its client operation ({@code client}, parsed once
     * by the caller: {@link OperationCodec#clientOpOf}). Entries the store already applied (Raft hands out those
     * after its snapshot again on a restart) leave the directory alone: it was loaded with their effect.
     */
    public Operation operation(Entry e, ClientOp client, long storeApplied) {
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
            if (e.getIndex() <= storeApplied) return NoOp.INSTANCE;
            ConfChange change;
            try {
                change = ConfChange.parseFrom(e.getData());
            } catch (InvalidProtocolBufferException ex) {
                // Raft itself refuses to apply such an entry and stops first.
                throw new IllegalStateException("entry " + e.getIndex() + " holds no valid membership change", ex);
            }
            return changed(working.withConfChange(change));
        }
        if (client != null && e.getIndex() > storeApplied) {
            switch (client.getOpCase()) {
                case MEMBER_ATTRIBUTES -> {
                    return changed(working.withAttributes(client.getMemberAttributes().getId(),
                            client.getMemberAttributes().getName(),
                            client.getMemberAttributes().getClientUrlsList()));
                }
                case MEMBER_INCARNATION -> {
                    return changed(working.withIncarnation(client.getMemberIncarnation().getId(),
                            client.getMemberIncarnation().getIncarnation()));
                }
                case MEMBER_PEER_URLS -> {
                    return changed(working.withPeerUrls(client.getMemberPeerUrls().getId(),
                            client.getMemberPeerUrls().getPeerUrlsList()));
                }
                default -> {
                }
            }
        }
        return OperationCodec.operation(e.getIndex(), client);
    }

    private Operation changed(MemberDirectory next) {
        working = next;
        changed = true;
        return new ClusterRecordWrite(next.encode());
    }

    /** Apply thread: the batch whose entries were translated is applied. */
    public void applied() {
        if (!changed) return;
        changed = false;
        publish(working);
    }

    /** Apply thread: a snapshot replaced the store; its cluster record is the directory now. */
    public void reloaded(MemberDirectory fromStore) {
        working = fromStore;
        changed = false;
        publish(fromStore);
    }

    private void publish(MemberDirectory d) {
        published = d;
        for (Consumer<MemberDirectory> l : listeners) l.accept(d);
    }
}
