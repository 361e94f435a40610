package io.keel.server.member;

import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A crash at each step of installing a received snapshot (SnapshotInstaller.install renames {@code store} to
 * {@code store-replaced}, then {@code store-incoming} to {@code store}): on restart, recover() leaves a store that
 * is either the old one whole or the new one whole, never none and never a mix.
 */
class SnapshotInstallCrashTest {

    private static void storeWith(Path dir, String value, long entries) {
        try (MvccStore s = MvccStore.open(dir)) {
            for (long i = 1; i <= entries; i++) s.apply(i, PutRequest.of(bytes("k"), bytes(value + i)));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String valueIn(Path store) {
        try (MvccStore s = MvccStore.open(store)) {
            return new String(s.range(RangeRequest.key(bytes("k"))).kvs().get(0).value(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aCrashBetweenTheTwoRenamesUsesTheImportedStore(@TempDir Path dataDir) throws Exception {
        storeWith(dataDir.resolve("store"), "old", 3);
        storeWith(dataDir.resolve("store-incoming"), "new", 10);
        // The first rename happened, the second did not.
        Files.move(dataDir.resolve("store"), dataDir.resolve("store-replaced"), StandardCopyOption.ATOMIC_MOVE);

        SnapshotInstaller.recover(dataDir);

        assertTrue(Files.isDirectory(dataDir.resolve("store")));
        assertFalse(Files.exists(dataDir.resolve("store-incoming")));
        assertEquals("new10", valueIn(dataDir.resolve("store")));
    }

    @Test
    void aCrashBeforeTheFirstRenameKeepsTheOldStore(@TempDir Path dataDir) throws Exception {
        storeWith(dataDir.resolve("store"), "old", 3);
        storeWith(dataDir.resolve("store-incoming"), "new", 10); // imported, not yet installed

        SnapshotInstaller.recover(dataDir);

        assertEquals("old3", valueIn(dataDir.resolve("store")));
    }

    @Test
    void aCrashAfterBothRenamesKeepsTheNewStore(@TempDir Path dataDir) throws Exception {
        storeWith(dataDir.resolve("store-replaced"), "old", 3); // not yet deleted
        storeWith(dataDir.resolve("store"), "new", 10);

        SnapshotInstaller.recover(dataDir);

        assertEquals("new10", valueIn(dataDir.resolve("store")));
    }
}
