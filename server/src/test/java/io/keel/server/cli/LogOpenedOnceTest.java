package io.keel.server.cli;

import io.keel.server.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, a quicker start: a restarted launcher opens its Raft log's RocksDB once. Before, {@link LaunchIds} opened
 * it first to read the identity it recorded, and the member opened it again. RocksDB moves its info log aside
 * ({@code LOG} to {@code LOG.old.<time>}) each time it opens a database, so the moved-aside files count the opens.
 * The restarted member also opens its store beside the log (StoreOpening), as its start line says.
 */
class LogOpenedOnceTest {
    @Test
    void aRestartedLauncherOpensItsLogOnce(@TempDir Path dir) throws Exception {
        try (MemberProcess m = new MemberProcess("m1", dir)) {
            m.start();
            servesThenStops(m);
            Path log = m.dataDir().resolve("raft-log");
            long afterFirstStart = movedAsideInfoLogs(log);

            m.start();
            servesThenStops(m);
            assertEquals(afterFirstStart + 1, movedAsideInfoLogs(log),
                    "the restart opened the log's database once; its output:\n" + m.outputTail(30));
            // And the store opened beside the log, not after it (the member's start line says so).
            assertTrue(java.util.regex.Pattern.compile("opened in log \\d+ ms, store \\d+ ms beside it")
                    .matcher(m.output()).find(), () -> "the restart's output:\n" + m.outputTail(30));
        }
    }

    private static void servesThenStops(MemberProcess m) throws InterruptedException {
        Poll.until("m1 serves clients", ProcessCluster.DEADLINE,
                () -> m.output().contains("keel: ready to serve client requests") || !m.process().isAlive(),
                () -> m.outputTail(30));
        assertTrue(m.process().isAlive(), () -> "m1 exited: " + m.outputTail(30));
        m.process().destroy(); // SIGTERM
        assertTrue(m.process().waitFor(ProcessCluster.DEADLINE.toSeconds(), TimeUnit.SECONDS), "m1 stopped");
        assertEquals(0, m.process().exitValue(), () -> m.outputTail(30));
    }

    private static long movedAsideInfoLogs(Path db) throws IOException {
        try (Stream<Path> files = Files.list(db)) {
            return files.filter(f -> f.getFileName().toString().startsWith("LOG.old.")).count();
        }
    }
}
