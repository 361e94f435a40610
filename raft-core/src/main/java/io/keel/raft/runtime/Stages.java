package io.keel.raft.runtime;

import java.util.concurrent.Executor;

/**
 * Where the runtime's stages run. Each executor but {@code read} must run its tasks one at a time, in the order
 * given (a thread, a serial queue, or the simulation's seeded scheduler); {@code read} may run its tasks at once and
 * in any order (a pool), since each read is independent of the others.
 *
 * @param raft              owns the RaftNode: every input and every hand-back runs here
 * @param raftDeferred      the raft stage again, for hand-backs nobody waits for: a task given here must not wake
 *                          the raft stage, but must run before it next idles (the server's RaftLoop.executeDeferred:
 *                          at its next wake-up, or before it parks). On two cores shared by three members a wake-up
 *                          costs more than most tasks. Tasks here keep their order among themselves only.
 * @param persistCompletion told that a write is durable: sends that Ready's messagesAfterPersist at once, then
 *                          hands the Ready back to the raft stage (a direct executor runs it on the log's sync thread)
 * @param apply             applies committed batches, installs snapshots, answers proposals
 * @param read              executes linearizable reads once applied (a pool, or the apply stage)
 */
public record Stages(Executor raft, Executor raftDeferred, Executor persistCompletion, Executor apply, Executor read) {
    /** Every hand-back wakes the raft stage (a driver with no cheaper way to reach it). */
    public Stages(Executor raft, Executor persistCompletion, Executor apply, Executor read) {
        this(raft, raft, persistCompletion, apply, read);
    }

    /** Everything on one serial executor (a test, a benchmark that wants no hand-offs). */
    public static Stages allOn(Executor executor) {
        return new Stages(executor, executor, executor, executor);
    }
}
