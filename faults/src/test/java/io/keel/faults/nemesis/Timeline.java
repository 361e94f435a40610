package io.keel.faults.nemesis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the nemesis did and when, in seconds since the run began and in the JVM's nanoTime the histories use. */
public final class Timeline {
    private final long startNanos = System.nanoTime();
    private final List<String> lines = new ArrayList<>();

    public synchronized void note(String what) {
        long now = System.nanoTime();
        String line = String.format("%8.3f s  [%d]  %s", (now - startNanos) / 1e9, now, what);
        lines.add(line);
        System.out.println("keel-faults: " + line);
    }

    public synchronized void write(Path file) {
        try {
            Files.writeString(file, String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
