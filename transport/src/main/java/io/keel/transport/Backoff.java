package io.keel.transport;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Delays between reconnection attempts: doubling from min to max, each drawn at random from its upper half. The
 * jitter keeps the members of a cluster that lost a peer together from knocking on its door in lockstep.
 */
final class Backoff {
    private final long minMillis;
    private final long maxMillis;
    private final RandomGenerator random;
    private int failures;

    Backoff(Duration min, Duration max, RandomGenerator random) {
        this.minMillis = Math.max(1, min.toMillis());
        this.maxMillis = Math.max(minMillis, max.toMillis());
        this.random = random;
    }

    long nextDelayMillis() {
        long ceiling = failures >= 62 ? maxMillis : Math.min(maxMillis, minMillis << Math.min(failures, 30));
        failures++;
        long half = ceiling / 2;
        return half + random.nextLong(ceiling - half + 1);
    }

    void reset() {
        failures = 0;
    }
}
