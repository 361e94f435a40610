package io.keel.raft.scenario;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Runs every script in src/test/resources/scenarios/*.txt as its own test. */
class ScenarioTest {

    @TestFactory
    Stream<DynamicTest> scenarios() throws Exception {
        URL dir = ScenarioTest.class.getResource("/scenarios");
        assertNotNull(dir, "no scenarios directory on the test class path");
        List<Path> scripts;
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            scripts = files.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
        assertFalse(scripts.isEmpty(), "no scenario scripts found");
        return scripts.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), p.toUri(),
                () -> {
                    ScenarioCluster c = ScenarioScript.run(p.getFileName().toString(),
                            Files.readAllLines(p, StandardCharsets.UTF_8));
                    // -Dscenario.verbose=<part of a file name> prints that script's whole trace.
                    String verbose = System.getProperty("scenario.verbose");
                    if (verbose != null && p.getFileName().toString().contains(verbose)) {
                        System.out.println("=== " + p.getFileName() + "\n" + String.join("\n", c.trace()));
                    }
                }));
    }
}
