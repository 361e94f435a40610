package io.keel.server.space;

import io.keel.server.Keel;
import io.keel.server.tls.MemberClientChannels;

import java.time.Duration;

/**
 * A member's periodic space and consistency work, started with it and stopped before it: auto-compaction
 * ({@link AutoCompactor}) and the corruption check ({@link CorruptionCheck}), each only when asked for.
 */
public final class Housekeeping implements AutoCloseable {
    private final AutoCompactor compactor;
    private final CorruptionCheck corruptionCheck;

    private Housekeeping(AutoCompactor compactor, CorruptionCheck corruptionCheck) {
        this.compactor = compactor;
        this.corruptionCheck = corruptionCheck;
    }

    /**
     * @param corruptCheckEvery {@link Duration#ZERO}: no corruption check
     * @param members           how the corruption check reaches the other members' client URLs
     */
    public static Housekeeping start(Keel keel, AutoCompaction autoCompaction, Duration corruptCheckEvery,
                                     MemberClientChannels members) {
        AutoCompactor compactor = AutoCompactor.start(keel, autoCompaction);
        try {
            return new Housekeeping(compactor, CorruptionCheck.start(keel, corruptCheckEvery, members));
        } catch (RuntimeException e) {
            if (compactor != null) compactor.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            if (corruptionCheck != null) corruptionCheck.close();
        } finally {
            if (compactor != null) compactor.close();
        }
    }
}
