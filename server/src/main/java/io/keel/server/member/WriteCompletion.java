package io.keel.server.member;

import io.keel.raft.runtime.Completion;
import io.keel.raft.runtime.Refusal;
import io.keel.storage.mvcc.api.Response;

import java.util.concurrent.CompletableFuture;

/**
 * How the member runtime answers a write's future: with the store's response once its entry applied (or the refusal
 * applying it gave: the entry still committed), or with the server's exception for the runtime's refusal
 * ({@link RefusalExceptions}). Used as it is for a write without a deadline of its own (the lessor's expiries,
 * membership changes), which waits until its entry applies, the runtime refuses it, or the member stops; a client
 * write's {@link RequestTimer} adds its one deadline.
 */
class WriteCompletion implements Completion<EntryOutcome> {
    protected final CompletableFuture<Response> result;
    protected final long memberId;

    WriteCompletion(CompletableFuture<Response> result, long memberId) {
        this.result = result;
        this.memberId = memberId;
    }

    /** The write's entry applied: its response, or the store's refusal of it. */
    @Override
    public final void completed(EntryOutcome outcome) {
        if (outcome.refusal() != null) result.completeExceptionally(outcome.refusal());
        else result.complete(outcome.response());
    }

    /** The runtime refused the write: the server's exception for it. */
    @Override
    public final void refused(Refusal refusal) {
        result.completeExceptionally(RefusalExceptions.of(memberId, refusal));
    }

    /** Whether the write was answered (or failed by a timer): the runtime then forgets it. */
    @Override
    public final boolean ended() {
        return result.isDone();
    }
}
