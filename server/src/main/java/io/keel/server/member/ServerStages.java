package io.keel.server.member;

import io.keel.raft.runtime.Stages;

import java.util.concurrent.Executor;

/**
 * Where the member runtime's stages run in the server: the raft stage on the raft thread ({@link RaftLoop}; its
 * hand-backs nobody waits for through {@link RaftLoop#executeDeferred}, which does not wake it), the persist
 * completion directly on the log's sync thread (a durable write's messages leave from the thread that saw its
 * fsync return), the apply stage on the member's apply thread, and reads on the read pool.
 */
final class ServerStages {
    private ServerStages() {
    }

    /** The direct executor: runs a task on the thread that hands it over (the sync thread, for completions). */
    static final Executor ON_CALLING_THREAD = Runnable::run;

    static Stages of(RaftLoop raft, Executor apply, Executor reads) {
        return new Stages(raft, raft::executeDeferred, ON_CALLING_THREAD, apply, reads);
    }
}
