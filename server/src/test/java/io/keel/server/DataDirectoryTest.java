package io.keel.server;

import io.keel.storage.log.NoKeelDataException;
import io.keel.storage.log.WrongDataDirectoryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataDirectoryTest {

    @Test
    void anotherMembersDataDirectoryIsRefusedWithTheStoragesMessage(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 2)) {
            cluster.start(2);
            cluster.stop(2);
            Path member2 = dir.resolve("member-2");
            WrongDataDirectoryException e = assertThrows(WrongDataDirectoryException.class,
                    () -> cluster.builder(1).dataDir(member2).start());
            assertTrue(e.getMessage().contains("belongs to"), e.getMessage());
            assertTrue(e.getMessage().contains("never copy a data directory"), e.getMessage());
            // The refusal left member 2's data intact: it still starts on it.
            cluster.start(2);
        }
    }

    @Test
    void anEmptyDirectoryWhereDataIsExpectedIsRefused(@TempDir Path dir) {
        try (TestCluster cluster = new TestCluster(dir, 1)) {
            NoKeelDataException e = assertThrows(NoKeelDataException.class,
                    () -> cluster.builder(1).newCluster(false).start());
            assertTrue(e.getMessage().contains("no Keel data"), e.getMessage());
        }
    }
}
