package io.keel.server;

/** The member is closed or stopped after a storage failure; requests still waiting end with this. */
public final class MemberStoppedException extends KeelException {
    /** With the failure that stopped the member as {@code cause}, or null after a plain close. */
    public MemberStoppedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true; // at another member
    }
}
