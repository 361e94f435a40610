package io.keel.server.member;

import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.server.lease.Lessor;
import io.keel.storage.mvcc.MvccOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the member notes of each Ready, with the real lessor and snapshot installer: a change of role reaches the
 * member's observer, and a snapshot Raft accepted reaches the installer, which refuses one it did not import.
 */
class ReadyBookkeepingTest {
    @TempDir
    Path dir;

    private final List<SoftState> seen = new CopyOnWriteArrayList<>();
    private final Lessor lessor = new Lessor(1, Duration.ofSeconds(1), System::nanoTime,
            op -> new CompletableFuture<>(), term -> false, term -> new CompletableFuture<>());

    private ReadyBookkeeping bookkeeping() {
        MemberObserver observer = new MemberObserver() {
            @Override
            public void stateChanged(SoftState state) {
                seen.add(state);
            }
        };
        return new ReadyBookkeeping(observer, lessor, new SnapshotInstaller(1, dir, MvccOptions.defaults()));
    }

    @AfterEach
    void close() {
        lessor.close();
    }

    private static Ready ready(SnapshotMetadata snapshot, SoftState softState) {
        return new Ready(null, List.of(), snapshot, List.of(), List.of(), List.of(), List.of(), null, softState);
    }

    @Test
    void aChangeOfRoleReachesTheObserverAndNothingElseDoes() {
        ReadyBookkeeping bookkeeping = bookkeeping();
        bookkeeping.readyHandedOut(ready(null, null));
        assertTrue(seen.isEmpty(), "no soft state, no change");
        SoftState leader = new SoftState(Role.LEADER, 1, 2);
        bookkeeping.readyHandedOut(ready(null, leader));
        assertEquals(List.of(leader), seen);
    }

    @Test
    void aSnapshotRaftAcceptedIsCheckedAgainstTheOneImported() {
        // Nothing was imported: Raft accepting a snapshot at index 40 is a bug, and the raft thread stops on it.
        SnapshotMetadata snapshot = SnapshotMetadata.newBuilder().setIndex(40).setTerm(3).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> bookkeeping().readyHandedOut(ready(snapshot, null)));
        assertTrue(e.getMessage().contains("index 40"), e.getMessage());
    }
}
