package io.keel.raft.sim;

import com.google.protobuf.ByteString;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The simulated state machine: string registers with put and compare-and-set. Commands are
 * "P\0key\0value" and "C\0key\0expected\0value" (expected "\1" means absent).
 */
final class KvMachine {
    private static final String ABSENT = "\u0001";
    private final Map<String, String> data;

    KvMachine() {
        this(new HashMap<>());
    }

    private KvMachine(Map<String, String> data) {
        this.data = data;
    }

    static ByteString put(String key, String value) {
        return ByteString.copyFrom("P\0" + key + "\0" + value, StandardCharsets.UTF_8);
    }

    static ByteString cas(String key, String expected, String value) {
        return ByteString.copyFrom("C\0" + key + "\0" + (expected == null ? ABSENT : expected) + "\0" + value,
                StandardCharsets.UTF_8);
    }

    /**
     * A command a follower forwards to the leader, tagged with who forwarded it so that member recognises it in the
     * committed log (the server tags its entries the same way). apply ignores the tag.
     */
    static ByteString tagged(ByteString command, long member, long request) {
        return command.concat(ByteString.copyFrom("\0@" + member + ":" + request, StandardCharsets.UTF_8));
    }

    /** The (member, request) a tagged command carries, or null. */
    static long[] tag(ByteString command) {
        String s = command.toStringUtf8();
        int at = s.lastIndexOf("\0@");
        if (at < 0) return null;
        String[] parts = s.substring(at + 2).split(":");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    }

    /** Applies a command; returns whether it took effect (always true for put, the comparison for cas). */
    boolean apply(ByteString command) {
        if (command.isEmpty()) return true; // a leader's no-op
        String[] parts = command.toStringUtf8().split("\0", -1);
        switch (parts[0]) {
            case "P" -> {
                data.put(parts[1], parts[2]);
                return true;
            }
            case "C" -> {
                String expected = ABSENT.equals(parts[2]) ? null : parts[2];
                if (Objects.equals(data.get(parts[1]), expected)) {
                    data.put(parts[1], parts[3]);
                    return true;
                }
                return false;
            }
            default -> throw new IllegalStateException("unknown command " + command.toStringUtf8());
        }
    }

    String get(String key) {
        return data.get(key);
    }

    KvMachine copy() {
        return new KvMachine(new HashMap<>(data));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvMachine k && k.data.equals(data);
    }

    @Override
    public int hashCode() {
        return data.hashCode();
    }

    @Override
    public String toString() {
        return data.toString();
    }
}
