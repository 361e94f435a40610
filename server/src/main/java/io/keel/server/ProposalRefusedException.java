package io.keel.server;

/** Raft refused the write for good (for instance larger than the largest entry): retrying will not help. */
public final class ProposalRefusedException extends KeelException {
    /** With a message saying what happened (created by the member; callers only catch it). */
    public ProposalRefusedException(String message) {
        super(message);
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
