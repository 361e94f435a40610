package io.keel.server.member;

import io.keel.raft.Ready;
import io.keel.raft.SoftState;
import io.keel.raft.runtime.RuntimeObserver;
import io.keel.server.lease.Lessor;

/**
 * What the member notes of each Ready on the raft thread, before any of it is acted on: a change of role, term or
 * leader (its observer, and the lessor, which tracks lease expiry only while this member leads), and a snapshot Raft
 * accepted (the installer then imports no other until it is installed). {@code Member} calls it first from its
 * runtime's {@link RuntimeObserver}.
 *
 * <p>Nothing here may depend on the Ready's messages having left: the runtime tells its observer before it sends
 * them. A leadership transfer completed on a change of leader is therefore not completed here.
 */
final class ReadyBookkeeping implements RuntimeObserver {
    private final MemberObserver observer;
    private final Lessor lessor;
    private final SnapshotInstaller installer;

    ReadyBookkeeping(MemberObserver observer, Lessor lessor, SnapshotInstaller installer) {
        this.observer = observer;
        this.lessor = lessor;
        this.installer = installer;
    }

    @Override
    public void readyHandedOut(Ready ready) {
        SoftState s = ready.softState();
        if (s != null) {
            observer.stateChanged(s);
            lessor.leadershipChanged(s);
        }
        if (ready.snapshot() != null) installer.accepted(ready.snapshot());
    }
}
