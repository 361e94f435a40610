package io.keel.raft;

/** Volatile state worth reporting when it changes (for logs and metrics): role and known leader (0 = none). */
public record SoftState(Role role, long leaderId, long term) {
}
