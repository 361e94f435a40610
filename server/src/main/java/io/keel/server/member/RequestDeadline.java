package io.keel.server.member;

import java.time.Duration;

/**
 * The one deadline of a client request, on {@link System#nanoTime()}'s clock: every stage the request goes
 * through (waiting for a leader, forwarded to the leader, waiting for its entry to apply) ends at it. As etcd's
 * server does, it is the earlier of the client's own deadline (a gRPC call's) and the member's request timeout.
 *
 * @param atNanos        when it passes, on {@link System#nanoTime()}'s clock
 * @param clientDeadline whether it is the client's own deadline (else the member's request timeout)
 */
public record RequestDeadline(long atNanos, boolean clientDeadline) {

    /** The member's own request timeout from now: for a request whose client gave no deadline. */
    public static RequestDeadline after(Duration timeout) {
        return new RequestDeadline(System.nanoTime() + timeout.toNanos(), false);
    }

    /**
     * The earlier of the client's deadline, {@code clientRemainingNanos} from now, and the member's own
     * {@code timeout}.
     */
    public static RequestDeadline earlierOf(long clientRemainingNanos, Duration timeout) {
        if (clientRemainingNanos < timeout.toNanos()) {
            return new RequestDeadline(System.nanoTime() + clientRemainingNanos, true);
        }
        return after(timeout);
    }

    public long remainingNanos() {
        return atNanos - System.nanoTime();
    }

    public boolean passed() {
        return remainingNanos() <= 0;
    }
}
