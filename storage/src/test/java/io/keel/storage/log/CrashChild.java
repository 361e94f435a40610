package io.keel.storage.log;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.HardState;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;

/**
 * The member process the crash tests kill. Its output is its acknowledgements: a line is printed only after the
 * write it reports is durable, as a member answers a leader only after its fsync.
 *
 * <ul>
 *   <li>{@code append DIR RUN}: opens (or bootstraps) the log and appends forever through a GroupCommitLog, with up
 *       to 32 writes in flight; now and then rewrites its last few entries under a higher term (a follower replacing
 *       an uncommitted suffix) and compacts. Prints {@code synced LAST TERM} per durable write.</li>
 *   <li>{@code write-then-halt DIR COUNT}: bootstraps, writes COUNT entries one synced write each, prints
 *       {@code done LAST} and halts without closing anything (the WAL is all there is).</li>
 * </ul>
 * Every entry's payload is {@link LogFixtures#payload}(index, term), so the parent can check each one.
 */
public final class CrashChild {
    static final long MEMBER = 1;
    private static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true);

    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "append" -> append(dir, Long.parseLong(args[2]));
            case "write-then-halt" -> writeThenHalt(dir, Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static RocksLogStorage openOrBootstrap(Path dir) {
        try {
            return RocksLogStorage.open(dir, LogFixtures.CLUSTER, MEMBER);
        } catch (NoKeelDataException never) {
            // The first run, or a first run killed before its bootstrap write was durable.
            return RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, 1, 2, 3);
        }
    }

    private static void append(Path dir, long run) throws InterruptedException {
        RocksLogStorage storage = openOrBootstrap(dir);
        GroupCommitLog log = new GroupCommitLog(storage);
        OUT.println("opened " + storage.firstIndex() + " " + storage.lastIndex());
        SplittableRandom random = new SplittableRandom(run);
        Semaphore inFlight = new Semaphore(32);
        long term = run * 1000;
        long next = storage.lastIndex() + 1;
        long[] acknowledged = {storage.lastIndex()};
        long compactedTo = storage.firstIndex() - 1;
        while (true) {
            inFlight.acquire();
            List<Entry> entries = new ArrayList<>();
            long first = next;
            if (random.nextInt(20) == 0 && next - 3 > compactedTo + 1 && next - 3 > 1) {
                term++;
                first = next - 3; // rewrite three entries, and extend past them so the last index never shrinks
            }
            int count = (int) (next - first) + 1 + random.nextInt(4);
            for (int i = 0; i < count; i++) entries.add(LogFixtures.entry(first + i, term));
            next = first + count;
            long last = next - 1;
            long reportedTerm = term;
            HardState hs = HardState.newBuilder().setTerm(term).setVote(MEMBER).setCommit(acknowledged[0]).build();
            log.persist(new LogWrite(entries, hs, null)).whenComplete((ok, error) -> {
                if (error != null) {
                    error.printStackTrace();
                    Runtime.getRuntime().halt(3);
                }
                acknowledged[0] = last; // only the sync thread writes it
                OUT.println("synced " + last + " " + reportedTerm);
                inFlight.release();
            });
            // Compaction, far enough behind that no rewrite reaches it.
            if (next - compactedTo > 400 && acknowledged[0] - 100 > compactedTo) {
                compactedTo = acknowledged[0] - 100;
                storage.compact(compactedTo, LogFixtures.voters(1, 2, 3));
            }
        }
    }

    private static void writeThenHalt(Path dir, int count) {
        RocksLogStorage storage = RocksLogStorage.bootstrap(dir, LogFixtures.CLUSTER, MEMBER, 1, 2, 3);
        for (int i = 0; i < count; i++) {
            long index = storage.lastIndex() + 1;
            storage.persist(List.of(LogFixtures.entry(index, 1)), null, null);
        }
        OUT.println("done " + storage.lastIndex());
        Runtime.getRuntime().halt(0);
    }
}
