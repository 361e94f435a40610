package io.keel.raft.runtime;

/**
 * How a request to the runtime ends: exactly one call, once, from whichever stage settled it.
 *
 * <p>A caller may also end a request itself, with a timer of its own per request (the server's RequestTimer, one per
 * client write, instead of the runtime's deadline checked at each tick). Two defaults let it: {@link #proceed} is
 * asked on the raft stage just before the request is parked, forwarded or proposed, and {@link #ended} lets the
 * runtime forget a request its caller already answered.
 */
public interface Completion<T> {
    void completed(T result);

    void refused(Refusal refusal);

    /** Where a request goes next, for {@link #proceed}. */
    enum Step { LEADER_WAIT, FORWARDED, PROPOSED }

    /**
     * Raft stage, just before the request is parked, forwarded or proposed: false if its caller already ended it,
     * and the runtime then drops it without going on. The caller's timer decides in one atomic step with this
     * answer whether a request not yet proposed ever will be, so a client told "nothing was proposed" (which may
     * retry elsewhere) never sees the write apply after all.
     */
    default boolean proceed(Step next) {
        return true;
    }

    /** Any stage: whether the caller already ended the request (the runtime then forgets it at its next tick). */
    default boolean ended() {
        return false;
    }
}
