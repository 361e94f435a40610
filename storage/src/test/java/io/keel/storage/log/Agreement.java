package io.keel.storage.log;

import io.keel.raft.log.RaftStorage;

import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks that two RaftStorages give the same answer to everything raft-core can ask, errors included. */
final class Agreement {
    private Agreement() {
    }

    static void check(RaftStorage expected, RaftStorage actual, SplittableRandom random) {
        assertEquals(expected.firstIndex(), actual.firstIndex(), "firstIndex");
        assertEquals(expected.lastIndex(), actual.lastIndex(), "lastIndex");
        assertEquals(expected.snapshotMetadata(), actual.snapshotMetadata(), "snapshotMetadata");
        assertEquals(expected.initialState(), actual.initialState(), "initialState");
        long first = expected.firstIndex();
        long last = expected.lastIndex();
        for (long i = Math.max(0, first - 3); i <= last + 2; i++) {
            long index = i;
            assertEquals(answer(() -> expected.term(index)), answer(() -> actual.term(index)), "term(" + i + ")");
        }
        assertEquals(answer(() -> expected.entries(first, last + 1, Long.MAX_VALUE)),
                answer(() -> actual.entries(first, last + 1, Long.MAX_VALUE)), "the whole log");
        for (int k = 0; k < 6; k++) {
            long lo = Math.max(0, first - 2 + random.nextLong(last - first + 5));
            long hi = lo + random.nextLong(Math.max(1, last - lo + 3));
            long maxBytes = random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextLong(120);
            assertEquals(answer(() -> expected.entries(lo, hi, maxBytes)),
                    answer(() -> actual.entries(lo, hi, maxBytes)), "entries(" + lo + ", " + hi + ", " + maxBytes + ")");
        }
    }

    /** The value, or the exception's type and message. */
    private static Object answer(Supplier<Object> question) {
        try {
            return question.get();
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }
}
