package io.keel.storage.mvcc.api;

import java.util.List;

/**
 * etcd's lease checkpoint: the leader records each listed lease's remaining time (milliseconds by its clock when it
 * proposed the entry; 0 clears a recorded one: a keep-alive restarted the lease in full since). A leader that takes
 * over continues a lease from its recorded remaining time instead of its full TTL. Leases that no longer exist are
 * skipped; the key space and revision do not change.
 */
public record LeaseCheckpointRequest(List<Checkpoint> checkpoints) implements Operation {
    public LeaseCheckpointRequest {
        checkpoints = List.copyOf(checkpoints);
    }

    /** Lease {@code id} had {@code remainingMillis} left (0: none recorded, its full TTL). */
    public record Checkpoint(long id, long remainingMillis) {
        public Checkpoint {
            if (remainingMillis < 0) throw new IllegalArgumentException("negative remaining time " + remainingMillis);
        }
    }

    /** Recording the same remaining times again leaves the same records. */
    @Override
    public boolean mayApplyTwice() {
        return true;
    }
}
