package io.keel.server.member;

import io.keel.raft.Ready;
import io.keel.raft.runtime.LogStore;
import io.keel.storage.log.GroupCommitLog;

import java.util.concurrent.CompletableFuture;

/**
 * The member runtime's {@link LogStore} over the group commit log: a Ready's durable part joins the next group
 * commit, and {@link LogStore.Done} is told on the sync thread once the fsync covering it returned (so, with a
 * direct persist-completion stage, a follower's acknowledgement leaves from the sync thread, as it does today).
 *
 * <p>A write the log refuses at once (the storage already failed, or the log is closed) is reported as failed, not
 * thrown: the runtime then stops (fail-stop), as it does for a write that fails later.
 */
final class GroupCommitLogStore implements LogStore {
    private final GroupCommitLog log;
    private final MemberObserver observer;

    GroupCommitLogStore(GroupCommitLog log, MemberObserver observer) {
        this.log = log;
        this.observer = observer;
    }

    @Override
    public void persist(Ready ready, Done done) {
        long start = System.nanoTime();
        CompletableFuture<Void> durable;
        try {
            durable = log.persist(ready);
        } catch (RuntimeException e) {
            done.failed(e);
            return;
        }
        durable.whenComplete((v, e) -> {
            if (e != null) {
                done.failed(e);
                return;
            }
            observer.persisted(System.nanoTime() - start);
            done.durable();
        });
    }
}
