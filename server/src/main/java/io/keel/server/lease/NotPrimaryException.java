package io.keel.server.lease;

import io.keel.server.KeelException;

/**
 * Lease deadlines are known only to the leader once it has applied everything of earlier terms: this member is
 * not there (yet). Retry at the leader, or shortly.
 */
public final class NotPrimaryException extends KeelException {
    private final long memberId;

    public NotPrimaryException(long memberId) {
        super("member " + Long.toHexString(memberId) + " does not track lease deadlines: only the leader does, once"
                + " it has applied the entries of earlier terms");
        this.memberId = memberId;
    }

    public long memberId() {
        return memberId;
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
