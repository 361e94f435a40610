package io.keel.raft.runtime;

/** How a request to the runtime ends: exactly one call, once, from whichever stage settled it. */
public interface Completion<T> {
    void completed(T result);

    void refused(Refusal refusal);
}
