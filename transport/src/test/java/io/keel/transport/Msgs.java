package io.keel.transport;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import com.google.protobuf.ByteString;

/** Raft messages as the transport sees them: opaque, numbered in {@code index} so receivers can check order. */
final class Msgs {
    private Msgs() {
    }

    static Message heartbeat(long from, long to, long seq) {
        return Message.newBuilder().setType(MessageType.MSG_HEARTBEAT).setFrom(from).setTo(to).setTerm(3)
                .setIndex(seq).setCommit(seq).build();
    }

    static Message append(long from, long to, long seq, int payloadBytes) {
        return Message.newBuilder().setType(MessageType.MSG_APPEND).setFrom(from).setTo(to).setTerm(3).setIndex(seq)
                .addEntries(Entry.newBuilder().setTerm(3).setIndex(seq + 1).setData(ByteString.copyFrom(new byte[payloadBytes])))
                .build();
    }

    static Message snapshotMeta(long from, long to, long index) {
        return Message.newBuilder().setType(MessageType.MSG_SNAPSHOT).setFrom(from).setTo(to).setTerm(3)
                .setSnapshot(io.keel.raft.proto.SnapshotMetadata.newBuilder().setIndex(index).setTerm(3)
                        .setConfState(io.keel.raft.proto.ConfState.newBuilder().addVoters(from).addVoters(to)))
                .build();
    }
}
