package io.keel.storage.mvcc.api;

/**
 * Raises or clears one alarm (etcd's AlarmRequest ACTIVATE / DEACTIVATE), replicated through Raft so every member
 * holds the same alarms at the same applied index. Raising an alarm already raised, or clearing one that is not,
 * changes nothing. Leaves the revision as it is.
 */
public record AlarmRequest(Action action, long memberId, AlarmType type) implements Operation {
    public enum Action { ACTIVATE, DEACTIVATE }

    public AlarmRequest {
        if (action == null || type == null) throw new IllegalArgumentException("an alarm request needs an action"
                + " and a type");
    }

    @Override
    public boolean mayApplyTwice() {
        return true; // raising (or clearing) an alarm twice leaves the same alarms
    }
}
