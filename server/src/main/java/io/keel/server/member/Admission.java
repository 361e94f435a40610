package io.keel.server.member;

import io.keel.server.OverloadedException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bound on requests admitted but not yet answered. Checked on the caller's thread, before anything is queued,
 * so a burst costs a counter increment and a refusal rather than queue memory.
 */
final class Admission {
    private final String what;
    private final int limit;
    private final AtomicInteger inFlight = new AtomicInteger();

    Admission(String what, int limit) {
        this.what = what;
        this.limit = limit;
    }

    /** A future that frees its slot when completed, or null (and nothing admitted) when the bound is reached. */
    <T> CompletableFuture<T> admit() {
        if (inFlight.incrementAndGet() > limit) {
            inFlight.decrementAndGet();
            return null;
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        f.whenComplete((v, e) -> inFlight.decrementAndGet());
        return f;
    }

    OverloadedException refusal() {
        return new OverloadedException("too many " + what + " waiting at this member (limit " + limit
                + "); retry after a short pause");
    }

    int inFlight() {
        return inFlight.get();
    }
}
