package io.keel.storage.log;

import io.keel.raft.log.CompactedException;
import io.keel.raft.proto.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers on other threads (the Raft thread, a transport sending entries to a follower) while the log is appended,
 * its tail rewritten and its head compacted: a reader gets entries exactly as written, or the same
 * CompactedException / "beyond last" answer MemoryStorage gives; a removal racing a read is never mistaken for
 * damage (which would stop the member). The writer goes on until every reader has answered many times while it
 * wrote (however the threads are scheduled on a loaded machine), within a generous deadline.
 */
class ConcurrentReadsTest {
    @TempDir
    Path dir;

    /** Answers each reader gives while the writer writes, at least. */
    private static final int ANSWERS_EACH = 100;
    /** The least the writer writes, however fast the readers are. */
    private static final int MIN_WRITES = 300;
    /** How long the writer waits for the readers to answer {@link #ANSWERS_EACH} times: generous, a loaded machine. */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(90);

    @Test
    @Timeout(180)
    void readersNeverSeeAHalfWrittenOrFalselyDamagedLog() throws Exception {
        LogStorageConfig config = LogStorageConfig.defaults().withRecentEntries(16, 1L << 20); // most term() reads go to disk
        try (RocksLogStorage s = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, 1, config, 1)) {
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<Throwable> problem = new AtomicReference<>();
            AtomicLongArray answers = new AtomicLongArray(2);
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int reader = r;
                long seed = r;
                Thread t = new Thread(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    while (writing.get() && problem.get() == null) {
                        long first = s.firstIndex();
                        long last = s.lastIndex();
                        long lo = Math.max(1, first - 2 + random.nextLong(Math.max(1, last - first + 4)));
                        try {
                            if (random.nextBoolean()) {
                                s.term(lo);
                            } else {
                                List<Entry> got = s.entries(lo, lo + 1 + random.nextInt(30), Long.MAX_VALUE);
                                for (int i = 0; i < got.size(); i++) {
                                    Entry e = got.get(i);
                                    assertEquals(lo + i, e.getIndex());
                                    if (e.getIndex() > 1) assertEquals(LogFixtures.entry(e.getIndex(), e.getTerm()), e);
                                }
                            }
                            answers.incrementAndGet(reader);
                        } catch (CompactedException | IllegalArgumentException expected) {
                            answers.incrementAndGet(reader); // the log moved on: MemoryStorage's answer too
                        } catch (Throwable t2) {
                            problem.compareAndSet(null, t2);
                        }
                    }
                }, "reader-" + r);
                t.start();
                readers.add(t);
            }
            SplittableRandom random = new SplittableRandom(7);
            long term = 1;
            try {
                long deadline = System.nanoTime() + DEADLINE_NANOS;
                for (int w = 0; problem.get() == null
                        && (w < MIN_WRITES || !eachAnswered(answers) && System.nanoTime() - deadline < 0); w++) {
                    long last = s.lastIndex();
                    long first = last + 1;
                    if (random.nextInt(4) == 0 && last - 6 > s.firstIndex()) {
                        first = last - random.nextInt(6); // a follower replacing its uncommitted tail
                        term++;
                    }
                    int count = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(8); // 0: the tail shrinks
                    if (count == 0 && first <= last) count = 1;
                    List<Entry> entries = new ArrayList<>();
                    for (int i = 0; i < count; i++) entries.add(LogFixtures.entry(first + i, term));
                    s.persist(LogWrite.entries(entries));
                    if (random.nextInt(10) == 0) s.compact(s.lastIndex() - random.nextInt(5), LogFixtures.voters(1));
                }
            } finally {
                writing.set(false);
                for (Thread t : readers) t.join();
            }
            assertNull(problem.get(), () -> "a reader failed: " + problem.get());
            assertFalse(s.failed());
            assertTrue(eachAnswered(answers), "each reader answered " + ANSWERS_EACH + " times while the writer"
                    + " wrote, within " + TimeUnit.NANOSECONDS.toSeconds(DEADLINE_NANOS) + " s: " + answers);
        }
    }

    private static boolean eachAnswered(AtomicLongArray answers) {
        for (int r = 0; r < answers.length(); r++) {
            if (answers.get(r) < ANSWERS_EACH) return false;
        }
        return true;
    }
}
