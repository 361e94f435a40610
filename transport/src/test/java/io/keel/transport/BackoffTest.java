package io.keel.transport;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    @Test
    void delaysDoubleUpToTheMaximumWithJitterInTheUpperHalf() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), new SplittableRandom(1));
        long[] ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
        for (long ceiling : ceilings) {
            long d = b.nextDelayMillis();
            assertTrue(d >= ceiling / 2 && d <= ceiling, d + " not in [" + ceiling / 2 + ", " + ceiling + "]");
        }
        b.reset();
        assertTrue(b.nextDelayMillis() <= 100);
    }

    @Test
    void jitterSpreadsMembersThatLostThePeerTogether() {
        Set<Long> delays = new HashSet<>();
        SplittableRandom seeds = new SplittableRandom(7);
        for (int member = 0; member < 20; member++) {
            Backoff b = new Backoff(Duration.ofMillis(1000), Duration.ofMillis(1000), seeds.split());
            delays.add(b.nextDelayMillis());
        }
        assertTrue(delays.size() > 10, "delays: " + delays);
    }

    @Test
    void neverOverflowsAfterManyFailures() {
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(5), new SplittableRandom(3));
        long last = 0;
        for (int i = 0; i < 200; i++) last = b.nextDelayMillis();
        assertTrue(last >= 2500 && last <= 5000);
    }
}
