package io.keel.server.lease;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The answers to a burst of keep-alives as a test records them: by position, the TTL or the failure, and how many
 * answers each position got (each must get one).
 */
final class RecordedAnswers implements KeepAliveAnswers {
    final Map<Integer, Object> byPosition = new ConcurrentHashMap<>();
    final Map<Integer, Integer> times = new ConcurrentHashMap<>();

    @Override
    public void answered(int i, long ttl) {
        times.merge(i, 1, Integer::sum);
        byPosition.put(i, ttl);
    }

    @Override
    public void failed(int i, Throwable cause) {
        times.merge(i, 1, Integer::sum);
        byPosition.put(i, cause);
    }

    /** Answers received, over all positions. */
    int calls() {
        return times.values().stream().mapToInt(Integer::intValue).sum();
    }
}
