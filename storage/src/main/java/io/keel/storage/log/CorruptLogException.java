package io.keel.storage.log;

import io.keel.storage.failure.StorageFailedException;
import io.keel.storage.failure.TellsTheRepair;

import java.nio.file.Path;

/**
 * Stored log data failed a check: a checksum, an index, or the shape of the log. Never answered with data, and never
 * taken to mean "absent": a member that forgot an entry or a vote could help elect a leader without it (fault 12).
 * The store fails with it (see {@link StorageFailedException}); the member must stay down until an operator
 * replaces its data.
 */
public final class CorruptLogException extends RuntimeException implements TellsTheRepair {
    private static final String WHAT_NEXT = ". Do not restart this member on this directory: remove it from the"
            + " cluster and add it back with an empty data directory, so it is rebuilt from its peers (fault 12)";

    private final long index;

    private CorruptLogException(long index, String message, Throwable cause) {
        super(message + WHAT_NEXT, cause);
        this.index = index;
    }

    /** The index of the damaged entry, or -1 when the damage is not in one entry. */
    public long index() {
        return index;
    }

    static CorruptLogException checksum(long index) {
        return new CorruptLogException(index, "log entry " + index + " failed its checksum", null);
    }

    static CorruptLogException unparsable(long index, Exception cause) {
        return new CorruptLogException(index, "log entry " + index + " passed its checksum but does not parse", cause);
    }

    static CorruptLogException misplaced(long index, long found) {
        return new CorruptLogException(index, "log entry " + index + " is stored holding entry " + found, null);
    }

    static CorruptLogException missing(long index, long firstIndex, long lastIndex) {
        return new CorruptLogException(index, "log entry " + index + " is missing from a log that holds "
                + firstIndex + ".." + lastIndex, null);
    }

    static CorruptLogException record(Path dir, String record, String problem) {
        return new CorruptLogException(-1, "the " + record + " in " + dir + " " + problem, null);
    }

    static CorruptLogException shape(Path dir, String problem) {
        return new CorruptLogException(-1, "the log in " + dir + " " + problem, null);
    }
}
