package io.keel.faults.workload;

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
    Check check(String phase, long healedAt);

    /** Counts of the operations invoked in [from, to). */
    Tally.Counts counts(long from, long to);

    /** Writes the whole history, readable, for a failing run's folder. */
    void writeHistory(Path file);

    record Check(boolean passed, String verdict) {
        public static Check pass(String verdict) {
            return new Check(true, verdict);
        }

        public static Check fail(String verdict) {
            return new Check(false, verdict);
        }
    }
}
