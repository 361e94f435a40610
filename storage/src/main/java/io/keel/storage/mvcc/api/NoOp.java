package io.keel.storage.mvcc.api;

/**
 * An entry that carries nothing for the store (a new leader's empty entry, a membership change): applying it
 * only advances the applied index, so the next entry is not mistaken for a gap.
 */
public record NoOp() implements Operation {
    public static final NoOp INSTANCE = new NoOp();
}
