package io.keel.storage.mvcc.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Byte-string keys as etcd orders them: unsigned lexicographic. */
public final class Keys {
    private static final int PRINT_LIMIT = 64;

    private Keys() {}

    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A key for error messages: printable ASCII as is, anything else as \xNN, long keys cut short. */
    public static String printable(byte[] key) {
        if (key == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(key.length, PRINT_LIMIT) + 2).append('"');
        for (int i = 0; i < key.length && i < PRINT_LIMIT; i++) {
            int b = key[i] & 0xff;
            if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
                sb.append((char) b);
            } else {
                sb.append(String.format("\\x%02x", b));
            }
        }
        if (key.length > PRINT_LIMIT) {
            sb.append("...(").append(key.length).append(" bytes)");
        }
        return sb.append('"').toString();
    }
}
