package io.keel.server.gateway;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The gateway's share of --max-concurrent-streams: calls past the limit wait, in order, for one to end. */
class StreamPermitsTest {
    @Test
    void callsPastTheLimitStartInOrderAsOthersEnd() {
        StreamPermits permits = new StreamPermits(2);
        List<String> started = new ArrayList<>();
        for (String call : List.of("a", "b", "c", "d")) permits.run(() -> started.add(call));
        assertEquals(List.of("a", "b"), started, "two streams: the third and fourth call wait");
        permits.release();
        assertEquals(List.of("a", "b", "c"), started);
        permits.release();
        permits.release();
        assertEquals(List.of("a", "b", "c", "d"), started);
        permits.release();
        permits.run(() -> started.add("e"));
        assertEquals(List.of("a", "b", "c", "d", "e"), started, "streams given back are free again");
        permits.run(() -> started.add("f"));
        permits.run(() -> started.add("g"));
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), started, "the limit holds after all that");
    }
}
