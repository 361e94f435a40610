package io.keel.storage.log;

import com.google.protobuf.ByteString;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The store is MemoryStorage on a disk: the same seeded random history of appends (with conflicting suffixes and
 * refused gaps), hard-state updates, compactions and snapshot installs, some of them grouped into one batch, is
 * applied to both, and after every step every RaftStorage answer agrees, including after closing and reopening.
 */
class MemoryStorageEquivalenceTest {
    private static final int STEPS = 300;
    private static final long MEMBER = 1;

    @TempDir
    Path dir;

    /**
     * Seeds; the small caches of recent entries (8 entries; a few bytes) send most reads to the disk and mix the
     * two sources within one read's range, the default one answers most from memory.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void sameHistorySameAnswers(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        LogStorageConfig config = switch ((int) (seed % 3)) {
            case 0 -> LogStorageConfig.defaults();
            case 1 -> LogStorageConfig.defaults().withRecentEntries(8, 1L << 20);
            default -> LogStorageConfig.defaults().withRecentEntries(4096, 40);
        };
        MemoryStorage memory = MemoryStorage.bootstrap(1, 2, 3);
        RocksLogStorage rocks = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, config, 1, 2, 3);
        History history = new History(random, memory);
        try {
            for (int step = 0; step < STEPS; step++) {
                String what = history.step(rocks);
                try {
                    Agreement.check(memory, rocks, random);
                } catch (AssertionError e) {
                    throw new AssertionError("seed " + seed + ", step " + step + " (" + what + "): " + e.getMessage(), e);
                }
                if (random.nextInt(12) == 0) {
                    rocks.close();
                    rocks = RocksLogStorage.open(dir, LogFixtures.CLUSTER, MEMBER, config);
                    Agreement.check(memory, rocks, random);
                }
            }
        } finally {
            rocks.close();
        }
    }

    /** Generates the random history: each step is applied to MemoryStorage at once and handed to the store. */
    private static final class History {
        private final SplittableRandom random;
        private final MemoryStorage memory;
        private long maxTerm = 1;

        History(SplittableRandom random, MemoryStorage memory) {
            this.random = random;
            this.memory = memory;
        }

        String step(RocksLogStorage rocks) {
            int kind = random.nextInt(100);
            if (kind < 45) return single(rocks, append(true));
            if (kind < 55) return single(rocks, hardStateOnly());
            if (kind < 63) return compact(rocks);
            if (kind < 71) return single(rocks, installSnapshot());
            if (kind < 81) return single(rocks, readyLike());
            return group(rocks);
        }

        private String single(RocksLogStorage rocks, Applied applied) {
            RuntimeException refused = null;
            try {
                rocks.persist(applied.write);
            } catch (IllegalStateException | IllegalArgumentException e) {
                refused = e;
            }
            expectSameOutcome(applied, refused);
            return applied.write.toString().replace('\n', ' ');
        }

        private String group(RocksLogStorage rocks) {
            List<Applied> applied = new ArrayList<>();
            int n = 2 + random.nextInt(4);
            for (int i = 0; i < n; i++) {
                int kind = random.nextInt(10);
                applied.add(kind < 5 ? append(true) : kind < 7 ? readyLike() : kind < 8 ? installSnapshot()
                        : hardStateOnly());
            }
            List<LogWrite> writes = applied.stream().map(a -> a.write).toList();
            RuntimeException[] refused = rocks.writeGroup(writes).refused();
            for (int i = 0; i < n; i++) expectSameOutcome(applied.get(i), refused[i]);
            return "group of " + n;
        }

        private String compact(RocksLogStorage rocks) {
            long index = Math.max(0, memory.firstIndex() - 2
                    + random.nextLong(memory.lastIndex() - memory.firstIndex() + 5));
            ConfState cs = LogFixtures.voters(1 + random.nextInt(3), 4 + random.nextInt(3));
            String memoryOutcome = outcome(() -> memory.compact(index, cs));
            String rocksOutcome = outcome(() -> rocks.compact(index, cs));
            assertEquals(memoryOutcome, rocksOutcome, "compact " + index);
            return "compact " + index + " -> " + memoryOutcome;
        }

        /** Entries from a random point at or after the log's start (sometimes a refused gap or one below it). */
        private Applied append(boolean mayBeRefused) {
            long first;
            int r = random.nextInt(20);
            if (mayBeRefused && r == 0) {
                first = memory.lastIndex() + 2 + random.nextInt(3); // gap
            } else if (mayBeRefused && r == 1 && memory.firstIndex() > 1) {
                first = Math.max(1, memory.firstIndex() - 1 - random.nextInt(2)); // at or below the snapshot
            } else if (r < 12) {
                first = memory.lastIndex() + 1;
            } else {
                first = memory.firstIndex() + random.nextLong(memory.lastIndex() - memory.firstIndex() + 2);
            }
            List<Entry> entries = newEntries(first, random.nextInt(9));
            RuntimeException refused = null;
            try {
                memory.append(entries);
            } catch (IllegalStateException e) {
                refused = e;
            }
            return new Applied(LogWrite.entries(entries), refused);
        }

        /** Like a follower's Ready: maybe a snapshot, then entries right after the log, then a hard state. */
        private Applied readyLike() {
            SnapshotMetadata snapshot = random.nextBoolean() ? snapshotNear() : null;
            if (snapshot != null) memory.applySnapshot(snapshot);
            long first = random.nextInt(3) == 0
                    ? memory.firstIndex() + random.nextLong(memory.lastIndex() - memory.firstIndex() + 2)
                    : memory.lastIndex() + 1;
            List<Entry> entries = newEntries(first, random.nextInt(5));
            memory.append(entries);
            HardState hs = random.nextBoolean() ? hardState() : null;
            if (hs != null) memory.setHardState(hs);
            return new Applied(new LogWrite(entries, hs, snapshot), null);
        }

        private Applied hardStateOnly() {
            HardState hs = hardState();
            memory.setHardState(hs);
            return new Applied(new LogWrite(List.of(), hs, null), null);
        }

        private Applied installSnapshot() {
            SnapshotMetadata snapshot = snapshotNear();
            memory.applySnapshot(snapshot);
            return new Applied(new LogWrite(List.of(), null, snapshot), null);
        }

        /** A snapshot around the log: older (ignored), inside (agreeing or not), or beyond its end. */
        private SnapshotMetadata snapshotNear() {
            long index = Math.max(1, memory.firstIndex() - 2 + random.nextLong(memory.lastIndex() - memory.firstIndex() + 8));
            boolean agrees = index >= memory.firstIndex() - 1 && index <= memory.lastIndex() && random.nextBoolean();
            long term = agrees ? memory.term(index) : ++maxTerm;
            return LogFixtures.snapshot(index, term, 1 + random.nextInt(5), 6);
        }

        private List<Entry> newEntries(long first, int count) {
            if (random.nextInt(4) == 0) maxTerm++;
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] data = new byte[random.nextInt(40)];
                random.nextBytes(data);
                entries.add(Entry.newBuilder().setIndex(first + i).setTerm(maxTerm).setData(ByteString.copyFrom(data))
                        .build());
            }
            return entries;
        }

        private HardState hardState() {
            return HardState.newBuilder().setTerm(maxTerm).setVote(random.nextInt(4))
                    .setCommit(random.nextLong(memory.lastIndex() + 1)).build();
        }

        private static void expectSameOutcome(Applied applied, RuntimeException rocksRefusal) {
            if (applied.memoryRefusal == null && rocksRefusal == null) return;
            if (applied.memoryRefusal == null || rocksRefusal == null) {
                fail("MemoryStorage " + describe(applied.memoryRefusal) + " but the store " + describe(rocksRefusal)
                        + " for " + applied.write);
            }
            assertEquals(applied.memoryRefusal.getClass(), rocksRefusal.getClass());
            assertEquals(applied.memoryRefusal.getMessage(), rocksRefusal.getMessage());
        }

        private static String describe(RuntimeException refusal) {
            return refusal == null ? "accepted" : "refused (" + refusal.getMessage() + ")";
        }
    }

    private record Applied(LogWrite write, RuntimeException memoryRefusal) {
    }

    static String outcome(Runnable r) {
        try {
            r.run();
            return "ok";
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
