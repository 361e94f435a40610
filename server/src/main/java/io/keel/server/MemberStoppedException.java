package io.keel.server;

/** The member is closed or stopped after a storage failure; requests still waiting end with this. */
public final class MemberStoppedException extends KeelException {
    public MemberStoppedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true; // at another member
    }
}
