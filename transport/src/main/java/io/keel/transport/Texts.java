package io.keel.transport;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Short texts on the wire (refusal reasons) and ids in logs. */
final class Texts {
    /** Reasons are for humans; capping them keeps the handshake frames small (see FrameDecoder's pre-handshake limit). */
    static final int MAX_REASON_BYTES = 512;

    private Texts() {
    }

    static byte[] utf8Truncated(String text, int maxBytes) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= maxBytes ? bytes : Arrays.copyOf(bytes, maxBytes);
    }

    /**
     * Member and cluster ids are unsigned 64-bit numbers, printed in hex as etcd prints them (etcdctl, member list)
     * and as the rest of Keel does, so one member reads the same in every log line.
     */
    static String id(long id) {
        return Long.toHexString(id);
    }
}
