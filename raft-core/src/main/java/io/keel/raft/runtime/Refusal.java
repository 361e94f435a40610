package io.keel.raft.runtime;

import io.keel.raft.ProposeResult;

/**
 * Why a request did not complete, typed so that a caller maps it to its own error (a gRPC status) without parsing
 * a message. {@link Kind#mayHaveApplied()} says whether a write could still take effect.
 */
public final class Refusal extends RuntimeException {
    public enum Kind {
        /** This member does not lead and did not forward; {@link #leaderHint()} names the leader when known. */
        NOT_LEADER(false),
        /** No leader became known before the request's deadline. */
        NO_LEADER(false),
        /** Leadership is being handed over; retry shortly. */
        LEADERSHIP_TRANSFER(false),
        /** Back-pressure: the leader's uncommitted log or this member's pending requests are at their bound. */
        OVERLOADED(false),
        /** The entry alone exceeds the maximum message size. */
        TOO_LARGE(false),
        /** Another membership change is not applied yet: retry once it has. */
        CONF_CHANGE_PENDING(false),
        /** This membership change is not allowed (e.g. promoting a learner that has not caught up). */
        INVALID_CONF_CHANGE(false),
        /** Another entry was applied at the proposal's index: it was lost with a leader change and never applies. */
        LOST(false),
        /** A read could not be confirmed with a leader; it had no effect. */
        READ_REJECTED(false),
        /** A read's deadline passed before it could be answered; it had no effect. */
        READ_TIMED_OUT(false),
        /** The write's deadline passed, or a snapshot covered it: it may have applied, or may still. */
        UNKNOWN(true),
        /** The runtime stopped (closed, or fail-stop after a storage failure) while the request waited. */
        STOPPED(true);

        private final boolean mayHaveApplied;

        Kind(boolean mayHaveApplied) {
            this.mayHaveApplied = mayHaveApplied;
        }

        /** Whether a write refused so could still take effect (its outcome is unknown to the client). */
        public boolean mayHaveApplied() {
            return mayHaveApplied;
        }
    }

    private final Kind kind;
    private final long leaderHint;

    public Refusal(Kind kind, long leaderHint, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.leaderHint = leaderHint;
    }

    public Kind kind() {
        return kind;
    }

    /** The leader as this member knows it, or 0. */
    public long leaderHint() {
        return leaderHint;
    }

    /**
     * The node's refusal of a proposal, one kind per reason: a caller tells a change to retry later (another one is
     * pending) from one that will never be allowed.
     */
    public static Refusal of(ProposeResult.Refused r) {
        Kind kind = switch (r.reason()) {
            case NOT_LEADER -> Kind.NOT_LEADER;
            case LEADERSHIP_TRANSFER -> Kind.LEADERSHIP_TRANSFER;
            case OVERLOADED -> Kind.OVERLOADED;
            case TOO_LARGE -> Kind.TOO_LARGE;
            case CONF_CHANGE_PENDING -> Kind.CONF_CHANGE_PENDING;
            case INVALID_CONF_CHANGE -> Kind.INVALID_CONF_CHANGE;
        };
        return new Refusal(kind, r.leaderHint(), r.message());
    }

    @Override
    public String toString() {
        return kind + ": " + getMessage();
    }
}
