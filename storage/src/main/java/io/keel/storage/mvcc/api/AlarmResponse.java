package io.keel.storage.mvcc.api;

import java.util.List;

/** The alarm an {@link AlarmRequest} raised or cleared (empty: it was already so), as etcd answers it. */
public record AlarmResponse(long revision, List<AlarmMember> changed) implements Response {
    public AlarmResponse {
        changed = List.copyOf(changed);
    }
}
