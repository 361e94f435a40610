package io.keel.raft.scenario;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Runs every script in src/test/resources/scenarios/*.txt as its own test: its expectations, then its whole output
 * against the golden file beside it ({@link GoldenOutput}; {@code -Dkeel.golden.rewrite=true} rewrites them).
 */
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
        Stream<DynamicTest> runs = scripts.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), p.toUri(),
                () -> {
                    String script = p.getFileName().toString();
                    ScenarioCluster c = ScenarioScript.run(script, Files.readAllLines(p, StandardCharsets.UTF_8));
                    // -Dscenario.verbose=<part of a file name> prints that script's whole trace.
                    String verbose = System.getProperty("scenario.verbose");
                    if (verbose != null && script.contains(verbose)) {
                        System.out.println("=== " + script + "\n" + String.join("\n", c.trace()));
                    }
                    GoldenOutput.check(script, c.golden());
                }));
        Set<String> names = scripts.stream().map(p -> p.getFileName().toString().replaceFirst("\\.txt$", ""))
                .collect(Collectors.toSet());
        DynamicTest noOrphans = DynamicTest.dynamicTest("every golden file has its script", () -> {
            List<String> orphans;
            try (Stream<Path> files = Files.list(GoldenOutput.scenarioSources())) {
                orphans = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".golden"))
                        .map(f -> f.replaceFirst("\\.golden$", "")).filter(f -> !names.contains(f)).sorted().toList();
            }
            assertEquals(List.of(), orphans, "golden files left behind by a renamed or deleted script");
        });
        return Stream.concat(runs, Stream.of(noOrphans));
    }
}
