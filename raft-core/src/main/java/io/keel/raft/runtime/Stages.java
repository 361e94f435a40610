package io.keel.raft.runtime;

import java.util.concurrent.Executor;

/**
 * Where the runtime's stages run. Each executor but {@code read} must run its tasks one at a time, in the order
 * given (a thread, a serial queue, or the simulation's seeded scheduler); {@code read} may run its tasks at once and
 * in any order (a pool), since each read is independent of the others.
 *
 * @param raft              owns the RaftNode: every input and every hand-back runs here
 * @param persistCompletion told that a write is durable: sends that Ready's messagesAfterPersist at once, then
 *                          hands the Ready back to the raft stage (a direct executor runs it on the log's sync thread)
 * @param apply             applies committed batches, installs snapshots, answers proposals
 * @param read              executes linearizable reads once applied (a pool, or the apply stage)
 */
public record Stages(Executor raft, Executor persistCompletion, Executor apply, Executor read) {
    /** Everything on one serial executor (a test, a benchmark that wants no hand-offs). */
    public static Stages allOn(Executor executor) {
        return new Stages(executor, executor, executor, executor);
    }
}
