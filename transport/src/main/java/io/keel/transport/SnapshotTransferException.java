package io.keel.transport;

import java.io.IOException;

/** A snapshot stream that did not end with the receiver's confirmation: the leader reports it as not delivered. */
public final class SnapshotTransferException extends IOException {
    public SnapshotTransferException(String message) {
        super(message);
    }

    public SnapshotTransferException(String message, Throwable cause) {
        super(message, cause);
    }
}
