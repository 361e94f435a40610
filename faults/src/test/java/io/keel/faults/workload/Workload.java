package io.keel.faults.workload;

import io.etcd.jetcd.ByteSequence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Clients running against the cluster through every fault, and the checker of what they saw. */
public interface Workload extends AutoCloseable {
    String name();

    void start();

    /** A new fault begins: from now on use the keys of {@code phase} (each fault's keys are its own). */
    void phase(String phase);

    /** Stops the clients and waits for their last operations. */
    @Override
    void close();

    /** Checks one fault's operations; the verdict says what is wrong, if anything. */
    Check check(String phase, Window window);

    /**
     * One fault's stretch of the run (System.nanoTime): it began at {@code from} (the quiet spell before the fault),
     * was healed at {@code healedAt} and ended at {@code to}; the workloads stopped at {@code end}.
     */
    record Window(long from, long healedAt, long to, long end) {
    }

    /** Counts of the operations invoked in [from, to). */
    Tally.Counts counts(long from, long to);

    /** Writes the whole history, readable, for a failing run's folder. */
    void writeHistory(Path file);

    /** Writes a history, as {@link #writeHistory} put it together, to {@code file}. */
    static void writeHistoryFile(Path file, CharSequence history) {
        try {
            Files.writeString(file, history);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A key or value for jetcd. */
    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    record Check(boolean passed, String verdict) {
        public static Check pass(String verdict) {
            return new Check(true, verdict);
        }

        public static Check fail(String verdict) {
            return new Check(false, verdict);
        }
    }
}
