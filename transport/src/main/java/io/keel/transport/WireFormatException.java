package io.keel.transport;

import java.io.IOException;

/** A peer sent bytes that are not a valid frame in the connection's state: the connection is closed. */
public class WireFormatException extends IOException {
    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
