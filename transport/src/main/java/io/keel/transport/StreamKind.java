package io.keel.transport;

/**
 * What a connection carries after its handshake. Snapshots get a connection of their own so that heartbeats and
 * appends never queue behind megabytes of snapshot (TCP would deliver them strictly after).
 */
enum StreamKind {
    MESSAGES(1),
    SNAPSHOT(2);

    final byte code;

    StreamKind(int code) {
        this.code = (byte) code;
    }

    /** The kind for a code, or null if this version does not know it. */
    static StreamKind ofCode(byte code) {
        for (StreamKind k : values()) if (k.code == code) return k;
        return null;
    }
}
