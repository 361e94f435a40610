package io.keel.raft.runtime;

import io.keel.raft.proto.Message;

import java.util.List;

/** Sends Raft messages to other members. Called from the raft stage and from the persist-completion stage. */
public interface Transport {
    /** Sends each message without waiting; losing one is allowed (Raft resends), duplicating a MSG_PROPOSE is not. */
    void send(List<Message> messages);
}
