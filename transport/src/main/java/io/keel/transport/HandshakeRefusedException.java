package io.keel.transport;

import java.io.IOException;

/** A connection refused during the handshake, by this member or by the peer; {@link #refusal()} says why. */
public final class HandshakeRefusedException extends IOException {
    private final Refusal refusal;

    public HandshakeRefusedException(Refusal refusal, String message) {
        super(message);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
