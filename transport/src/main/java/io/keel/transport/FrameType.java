package io.keel.transport;

/**
 * What a frame carries: one byte after the length prefix. Codes are part of the wire format: never reuse one, only
 * add. Which types a connection accepts depends on its state (handshake first, then its stream kind); anything else
 * is a protocol violation that closes the connection.
 */
enum FrameType {
    /** Initiator's identity and intent: the first frame on every connection. */
    HELLO(1),
    /** Responder's answer to HELLO: accepted (with its own identity) or refused with a reason. */
    HELLO_REPLY(2),
    /** One Raft {@code Message} (protobuf). */
    MESSAGE(3),
    /** Snapshot stream: declared size and the MSG_SNAPSHOT message carrying the metadata. */
    SNAPSHOT_BEGIN(4),
    /** Snapshot stream: the next bytes of the snapshot. */
    SNAPSHOT_CHUNK(5),
    /** Snapshot stream: all bytes sent; carries their CRC32C. */
    SNAPSHOT_END(6),
    /** Snapshot stream, receiver to sender: stored and handed over. */
    SNAPSHOT_ACCEPTED(7),
    /** Snapshot stream, receiver to sender: not taken; carries the reason. */
    SNAPSHOT_REFUSED(8);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) BY_CODE[t.code] = t;
    }

    final byte code;

    FrameType(int code) {
        this.code = (byte) code;
    }

    static FrameType ofCode(byte code) throws WireFormatException {
        FrameType t = BY_CODE[code & 0xFF];
        if (t == null) throw new WireFormatException("unknown frame type " + (code & 0xFF));
        return t;
    }
}
