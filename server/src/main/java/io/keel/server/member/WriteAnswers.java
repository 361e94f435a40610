package io.keel.server.member;

import io.keel.raft.runtime.Completion;
import io.keel.raft.runtime.Refusal;
import io.keel.storage.mvcc.api.Response;

import java.util.concurrent.CompletableFuture;

/**
 * How the member runtime answers a write's future: with the store's response once its entry applied (or the refusal
 * applying it gave: the entry still committed), or with the server's exception for the runtime's refusal
 * ({@link RefusalExceptions}). A client write's {@link RequestTimer} answers so; {@link #untimed} does it for a
 * write without a deadline of its own (the lessor's expiries, membership changes), which waits until its entry
 * applies, the runtime refuses it, or the member stops.
 */
final class WriteAnswers {
    private WriteAnswers() {
    }

    /** The write's entry applied: its response, or the store's refusal of it. */
    static void completed(CompletableFuture<Response> result, EntryOutcome outcome) {
        if (outcome.refusal() != null) result.completeExceptionally(outcome.refusal());
        else result.complete(outcome.response());
    }

    /** The runtime refused the write: the server's exception for it. */
    static void refused(CompletableFuture<Response> result, long memberId, Refusal refusal) {
        result.completeExceptionally(RefusalExceptions.of(memberId, refusal));
    }

    /** The completion of a write nobody times: the runtime's deadline for it is {@code Long.MAX_VALUE}. */
    static Completion<EntryOutcome> untimed(CompletableFuture<Response> result, long memberId) {
        return new Completion<>() {
            @Override
            public void completed(EntryOutcome outcome) {
                WriteAnswers.completed(result, outcome);
            }

            @Override
            public void refused(Refusal refusal) {
                WriteAnswers.refused(result, memberId, refusal);
            }

            @Override
            public boolean ended() {
                return result.isDone();
            }
        };
    }
}
