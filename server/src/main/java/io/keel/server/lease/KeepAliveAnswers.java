package io.keel.server.lease;

/**
 * Where the answers to keep-alives that arrived together go, by their position in the batch ({@link
 * LeaseForwarder#keepAliveAll}): one object for the batch rather than a future per keep-alive (issue 16: a follower
 * forwards thousands a second). Each position is answered exactly once, on any thread (the caller's, the peer
 * transport's, the forwarder's retry timer); implementations must not block.
 */
public interface KeepAliveAnswers {
    /** Keep-alive {@code i} is answered: the lease's granted TTL, 0 when there is no such lease. */
    void answered(int i, long ttl);

    /**
     * Keep-alive {@code i} failed: for good when given to {@link LeaseForwarder#keepAliveAll} (retries exhausted, or
     * a failure retrying cannot mend); inside the forwarder, this attempt (which the forwarder then retries).
     */
    void failed(int i, Throwable cause);
}
