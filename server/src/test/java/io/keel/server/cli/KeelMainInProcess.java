package io.keel.server.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** Runs the launcher's command line in this JVM (for refusals, which start nothing), its output and errors caught. */
final class KeelMainInProcess {
    private KeelMainInProcess() {
    }

    static synchronized OfflineTools.Result run(String... args) {
        StringWriter text = new StringWriter();
        PrintStream original = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        int exit;
        try (PrintWriter w = new PrintWriter(text, true)) {
            exit = KeelMain.execute(args, w, w);
        } finally {
            System.setOut(original);
        }
        return new OfflineTools.Result(exit, stdout.toString(StandardCharsets.UTF_8) + text);
    }
}
