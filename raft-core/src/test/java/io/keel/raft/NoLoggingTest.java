package io.keel.raft;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * raft-core does not log and prints nothing: it is a pure state machine whose only dependency is protobuf-java, and
 * what it would say surfaces in Ready (role changes in softState) for the server to log. A logging call here would
 * need a logging dependency, or would bypass the embedding program's logging (System.Logger, System.out).
 */
class NoLoggingTest {
    private static final List<String> FORBIDDEN = List.of("org.slf4j", "java.util.logging", "System.Logger",
            "System.getLogger", "System.out", "System.err", "printStackTrace");

    @Test
    void mainSourcesNeitherLogNorPrint() throws IOException {
        List<String> found = new ArrayList<>();
        int scanned = 0;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) { // surefire runs in the module's directory
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                scanned++;
                String text = Files.readString(f);
                for (String word : FORBIDDEN) {
                    if (text.contains(word)) found.add(f + ": " + word);
                }
            }
        }
        assertTrue(scanned > 20, "only " + scanned + " source files found");
        assertEquals(List.of(), found);
    }
}
