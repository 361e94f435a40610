package io.keel.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's headless Chromium, run once per look at a page: the DOM after the page's scripts ran
 * ({@code --dump-dom}), or a screenshot. {@code --virtual-time-budget} lets the page's first fetches and timers run
 * before Chromium stops (virtual time does not advance while a fetch is pending). Under root Chromium refuses to
 * start without {@code --no-sandbox}. .ci/run installs the package.
 */
final class Chromium {
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    /** Virtual ms the page may run: its first refresh, and the next one two seconds later. */
    private static final int BUDGET_MS = 2500;

    private final String binary;
    private final Path profile;

    Chromium(Path workDir) throws IOException {
        this.binary = find();
        this.profile = Files.createDirectories(workDir.resolve("chromium-profile"));
    }

    /** The serialized DOM of {@code url} after its scripts ran. */
    String dumpDom(String url) throws IOException, InterruptedException {
        return run(List.of("--dump-dom", url));
    }

    /** A PNG of {@code url} as it looks after its scripts ran. */
    void screenshot(String url, Path png) throws IOException, InterruptedException {
        Files.createDirectories(png.getParent());
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=1700,760", "--hide-scrollbars", url));
        if (!Files.isRegularFile(png)) fail("chromium wrote no screenshot to " + png);
    }

    private String run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary, "--headless", "--disable-gpu", "--no-first-run",
                "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                "--virtual-time-budget=" + BUDGET_MS));
        if (isRoot()) cmd.add("--no-sandbox");
        cmd.addAll(args);
        Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
        Path err = Files.createTempFile(profile.getParent(), "chromium", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("chromium did not finish within 60 s: " + cmd + "\n" + tail(err));
        }
        if (p.exitValue() != 0) fail("chromium exited with " + p.exitValue() + ": " + cmd + "\n" + tail(err));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            for (String name : NAMES) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p.toString();
            }
        }
        return fail("no chromium on PATH: install Debian's chromium package (.ci/run does)");
    }
}
