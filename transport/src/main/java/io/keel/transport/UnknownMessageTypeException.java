package io.keel.transport;

/** A well-formed protobuf Message whose type this member does not know (or MSG_UNKNOWN): never handed to Raft. */
public final class UnknownMessageTypeException extends WireFormatException {
    public UnknownMessageTypeException(int typeNumber) {
        super("unknown raft message type " + typeNumber);
    }
}
