package io.keel.server.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd's range permission rules: single keys, ranges, "\0" ends, and ranges covered only by several permissions. */
class KeyIntervalsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final byte[] ZERO = {0};
    private static final byte[] NONE = {};

    @Test
    void aSingleKeyPermissionCoversThatKeyOnly() {
        KeyIntervals k = new KeyIntervals();
        k.add(b("a"), NONE);
        assertTrue(k.containsKey(b("a")));
        assertFalse(k.containsKey(b("a\0")));
        assertFalse(k.containsKey(b("b")));
        assertTrue(k.covers(b("a"), b("a\0"))); // the range holding only "a"
        assertFalse(k.covers(b("a"), b("b")));
    }

    @Test
    void rangesJoinAndGapsAreNotCovered() {
        KeyIntervals k = new KeyIntervals();
        k.add(b("a"), b("c"));
        k.add(b("c"), b("e"));
        k.add(b("f"), b("g"));
        assertTrue(k.covers(b("a"), b("e")));
        assertTrue(k.covers(b("b"), b("d")));
        assertFalse(k.covers(b("a"), b("f"))); // [e, f) is missing
        assertFalse(k.covers(b("a"), ZERO)); // everything from a on
        assertTrue(k.containsKey(b("f")));
        assertFalse(k.containsKey(b("e")));
    }

    @Test
    void aZeroEndReachesEveryKeyFromItsStart() {
        KeyIntervals k = new KeyIntervals();
        k.add(b("m"), ZERO);
        assertTrue(k.covers(b("m"), ZERO));
        assertTrue(k.covers(b("x"), b("z")));
        assertTrue(k.containsKey(b("\u00ff")));
        assertFalse(k.covers(b("a"), ZERO));
        assertFalse(k.containsKey(b("l")));
    }

    @Test
    void nothingIsPermittedWithoutPermissions() {
        KeyIntervals k = new KeyIntervals();
        assertFalse(k.containsKey(b("a")));
        assertFalse(k.covers(b("a"), b("b")));
        assertFalse(k.covers(NONE, ZERO));
    }
}
