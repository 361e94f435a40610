package io.keel.storage.log;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The log's side of issue 14's offline tools: a directory initialized after a restored snapshot, and a survivor's
 * directory rewritten for a new cluster (entries appended, hard state and cluster id replaced in one write).
 */
class OfflineRewriteTest {
    private static final long NEW_CLUSTER = 777;

    @TempDir
    Path root;

    @Test
    void aRestoredLogStartsAfterItsSnapshot() {
        Path dir = root.resolve("n1");
        SnapshotMetadata snapshot = SnapshotMetadata.newBuilder().setIndex(57).setTerm(1)
                .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3)).build();
        HardState hs = HardState.newBuilder().setTerm(1).setCommit(57).build();
        RocksLogStorage.restore(dir, NEW_CLUSTER, 2, snapshot, hs).close();
        assertEquals(new MemberIdentity(NEW_CLUSTER, 2), RocksLogStorage.identityOf(dir));
        try (RocksLogStorage s = RocksLogStorage.open(dir, NEW_CLUSTER, 2)) {
            assertEquals(58, s.firstIndex());
            assertEquals(57, s.lastIndex());
            assertEquals(1, s.term(57));
            assertEquals(hs, s.hardState());
            assertEquals(snapshot.getConfState(), s.initialState().confState());
        }
    }

    @Test
    void aSurvivorIsRewrittenForANewClusterInOneWrite() {
        Path dir = root.resolve("m2");
        long incarnation;
        try (RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 2, 1, 2, 3)) {
            incarnation = s.incarnation();
            s.persist(List.of(entry(2, 2), entry(3, 2)), HardState.newBuilder().setTerm(2).setVote(1).setCommit(2)
                    .build(), null);
        }
        MemberIdentity old = RocksLogStorage.identityOf(dir);
        assertEquals(new MemberIdentity(LogFixtures.CLUSTER, 2), old);
        HardState forced = HardState.newBuilder().setTerm(2).setVote(1).setCommit(4).build();
        RocksLogStorage.rewriteForNewCluster(dir, old, NEW_CLUSTER, List.of(entry(4, 2)), forced);
        assertThrows(WrongDataDirectoryException.class, () -> RocksLogStorage.open(dir, LogFixtures.CLUSTER, 2));
        try (RocksLogStorage s = RocksLogStorage.open(dir, NEW_CLUSTER, 2)) {
            assertEquals(4, s.lastIndex());
            assertEquals(entry(4, 2), s.entries(4, 5, Long.MAX_VALUE).get(0));
            assertEquals(entry(3, 2), s.entries(3, 4, Long.MAX_VALUE).get(0));
            assertEquals(forced, s.hardState());
            // Still the directory the member joined with: its peers in the new cluster know it by this incarnation.
            assertEquals(incarnation, s.incarnation());
        }
        // The old identity opens it no more, for a second rewrite either.
        assertThrows(WrongDataDirectoryException.class,
                () -> RocksLogStorage.rewriteForNewCluster(dir, old, 888, List.of(), forced));
    }

    @Test
    void identityOfRefusesWhatIsNoMembersData() throws Exception {
        assertThrows(NoKeelDataException.class, () -> RocksLogStorage.identityOf(root.resolve("missing")));
        Path empty = Files.createDirectories(root.resolve("empty"));
        assertThrows(NoKeelDataException.class, () -> RocksLogStorage.identityOf(empty));
    }

    private static Entry entry(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).setData(com.google.protobuf.ByteString.copyFromUtf8(
                "e" + index)).build();
    }
}
