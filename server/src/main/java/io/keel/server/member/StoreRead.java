package io.keel.server.member;

import io.keel.raft.runtime.Completion;
import io.keel.raft.runtime.ReadAnswer;
import io.keel.raft.runtime.Refusal;
import io.keel.storage.mvcc.MvccStore;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A linearizable read of the store through the member runtime: the query the runtime runs on its read stage, and
 * the completion that answers the caller's future.
 *
 * <p>The query never throws. The runtime guards its read stage as it guards every stage: a throw there stops the
 * member for good (fail-stop). But a query can fail for its own request alone (a range at a compacted revision, a
 * revision not yet written): that failure is caught and carried inside the answer, and only the caller's future
 * fails with it.
 */
final class StoreRead<T> implements Completion<ReadAnswer<StoreRead.Attempt<T>>> {
    /** What a query gave: its value, or the exception it failed with (then {@code value} is null). */
    record Attempt<T>(T value, RuntimeException failure) {
    }

    private final CompletableFuture<T> result;
    private final long memberId;

    StoreRead(CompletableFuture<T> result, long memberId) {
        this.result = result;
        this.memberId = memberId;
    }

    /** Read stage: runs {@code query} on the store, its failure kept in the attempt instead of thrown. */
    static <T> Supplier<Attempt<T>> query(StoreRef store, Function<MvccStore, T> query) {
        return () -> attempt(store, query);
    }

    /** Runs {@code query} on the store now, its failure kept in the attempt instead of thrown. */
    static <T> Attempt<T> attempt(StoreRef store, Function<MvccStore, T> query) {
        try {
            return new Attempt<>(store.read(query), null);
        } catch (RuntimeException e) {
            return new Attempt<>(null, e);
        }
    }

    @Override
    public void completed(ReadAnswer<Attempt<T>> answer) {
        Attempt<T> a = answer.value();
        if (a.failure() != null) result.completeExceptionally(a.failure());
        else result.complete(a.value());
    }

    @Override
    public void refused(Refusal refusal) {
        result.completeExceptionally(RefusalExceptions.of(memberId, refusal));
    }

    @Override
    public boolean ended() {
        return result.isDone();
    }
}
