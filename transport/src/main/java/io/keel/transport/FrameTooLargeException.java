package io.keel.transport;

/** A length prefix above the connection's limit. Raised before anything of that size is buffered or allocated. */
public final class FrameTooLargeException extends WireFormatException {
    private final long length;
    private final int limit;

    public FrameTooLargeException(long length, int limit) {
        super("frame of " + length + " bytes announced, limit is " + limit);
        this.length = length;
        this.limit = limit;
    }

    public long length() {
        return length;
    }

    public int limit() {
        return limit;
    }
}
