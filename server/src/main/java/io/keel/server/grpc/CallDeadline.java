package io.keel.server.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.keel.server.RequestTimeoutException;
import io.keel.server.member.RequestDeadline;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one deadline of a gRPC call's request: the client's deadline if it gave one, capped by the member's request
 * timeout, as etcd's server caps every proposal with its own request timeout. Read on the call's own thread, where
 * the call's context is current.
 */
final class CallDeadline {
    private CallDeadline() {
    }

    /**
     * The current call's deadline; a call whose deadline has already passed is refused here (nothing is proposed),
     * answered as etcd's server answers it: DEADLINE_EXCEEDED, "context deadline exceeded".
     */
    static RequestDeadline current(Duration requestTimeout) {
        Deadline client = Context.current().getDeadline();
        if (client == null) return RequestDeadline.after(requestTimeout);
        long remaining = client.timeRemaining(TimeUnit.NANOSECONDS);
        if (remaining <= 0) {
            throw new RequestTimeoutException("the call's deadline had passed when it arrived; nothing was proposed",
                    true);
        }
        return RequestDeadline.earlierOf(remaining, requestTimeout);
    }
}
