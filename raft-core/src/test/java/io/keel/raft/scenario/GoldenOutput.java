package io.keel.raft.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A scenario script's golden output, as etcd's datadriven tests keep theirs: everything the script caused
 * ({@link ScenarioCluster#golden()}) is compared with the file beside the script ({@code NN_name.golden} next to
 * {@code NN_name.txt}), so that a behaviour change nobody expected fails a test even where the script's
 * expectations say nothing. With {@code -Dkeel.golden.rewrite=true} the files are written instead of compared:
 * review the diff ({@code git diff}) before committing it.
 *
 * <p>The files live in the source tree ({@code raft-core/src/test/resources/scenarios}), found from the module's
 * directory (Surefire's {@code basedir}, else the working directory), so that a rewrite lands where git sees it.
 */
final class GoldenOutput {
    /** The system property that rewrites the golden files instead of comparing them. */
    static final String REWRITE = "keel.golden.rewrite";
    /** How many lines around the first difference a failure shows. */
    private static final int CONTEXT = 8;

    private GoldenOutput() {
    }

    private static Path module() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    }

    static Path scenarioSources() {
        return module().resolve("src/test/resources/scenarios");
    }

    static Path goldenFile(String script) {
        return scenarioSources().resolve(script.replaceFirst("\\.txt$", "") + ".golden");
    }

    static String render(String script, List<String> lines) {
        StringBuilder sb = new StringBuilder()
                .append("# Golden output of ").append(script).append(", compared by ScenarioTest. Not edited by hand:\n")
                .append("# rewrite with -D").append(REWRITE).append("=true and review the diff (docs/architecture.md).\n");
        for (String line : lines) sb.append(line).append('\n');
        return sb.toString();
    }

    /** Compares (or, with the rewrite property, writes) the golden output of {@code script}, in the file beside it. */
    static void check(String script, List<String> lines) throws IOException {
        check(goldenFile(script), script, lines);
    }

    static void check(Path file, String script, List<String> lines) throws IOException {
        if (Boolean.getBoolean(REWRITE)) {
            Files.writeString(file, render(script, lines), StandardCharsets.UTF_8);
        } else {
            compare(file, script, lines);
        }
    }

    /** Fails, showing the first difference, unless {@code file} holds exactly this output. */
    static void compare(Path file, String script, List<String> lines) throws IOException {
        String actual = render(script, lines);
        if (!Files.exists(file)) {
            throw new AssertionError(script + " has no golden output (" + file + "): run the scenario tests with -D"
                    + REWRITE + "=true, review the new file and commit it");
        }
        String expected = Files.readString(file, StandardCharsets.UTF_8);
        if (expected.equals(actual)) return;
        Path saved = module().resolve("target/keel-golden").resolve(file.getFileName() + ".actual");
        Files.createDirectories(saved.getParent());
        Files.writeString(saved, actual, StandardCharsets.UTF_8);
        throw new AssertionError(script + ": the output differs from " + file.getFileName() + " (whole output in "
                + saved + "; if the change is meant, rewrite with -D" + REWRITE + "=true)\n"
                + firstDifference(expected.split("\n", -1), actual.split("\n", -1)));
    }

    /** The first line that differs, with a few lines of context on both sides. */
    static String firstDifference(String[] expected, String[] actual) {
        int i = 0;
        while (i < expected.length && i < actual.length && expected[i].equals(actual[i])) i++;
        StringBuilder sb = new StringBuilder("first difference at line ").append(i + 1).append('\n');
        int from = Math.max(0, i - CONTEXT);
        for (int k = from; k < i; k++) sb.append("    ").append(expected[k]).append('\n');
        sb.append("--- expected (golden)\n");
        for (int k = i; k < Math.min(expected.length, i + CONTEXT); k++) sb.append("  - ").append(expected[k]).append('\n');
        sb.append("--- actual\n");
        for (int k = i; k < Math.min(actual.length, i + CONTEXT); k++) sb.append("  + ").append(actual[k]).append('\n');
        return sb.toString();
    }
}
