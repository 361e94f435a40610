package io.keel.storage.mvcc;

import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The process {@link CrashTest} kills: applies entries from the store's applied index on, forever, where entry i
 * puts key "k" + (i mod 50) = "v" + i, in batches of 1 to 4 entries (one synced write each), and prints
 * "applied i" for each entry once the call that applied it has returned.
 *
 * <p>With a third argument "no-wal" ({@link WalOffCrashTest}) it opens the store the way a member does, without
 * syncing every apply (so without a WAL), with the smallest memtables RocksDB takes (64 KiB) so that it also
 * flushes on its own every few hundred entries, and after about one batch in 800 (some 2,000 entries) calls
 * {@link MvccStore#sync()} and prints "durable i" with the index it returned.
 */
public final class CrashChild {
    private CrashChild() {}

    static PutRequest entry(long i) {
        return PutRequest.of(("k" + (i % 50)).getBytes(StandardCharsets.UTF_8),
                ("v" + i).getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        Random rnd = new Random(Long.parseLong(args[1]));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        boolean noWal = args.length > 2 && args[2].equals("no-wal");
        MvccOptions options = noWal
                ? MvccOptions.defaults().withSyncEveryApply(false).withWriteBufferBytes(64 << 10)
                : MvccOptions.defaults();
        try (MvccStore store = MvccStore.open(dir, options)) {
            long next = store.appliedIndex() + 1;
            out.println("ready " + store.appliedIndex());
            out.flush();
            while (true) {
                List<Operation> batch = new ArrayList<>();
                int size = 1 + rnd.nextInt(4);
                for (int k = 0; k < size; k++) {
                    batch.add(entry(next + k));
                }
                store.applyAll(next, batch);
                for (int k = 0; k < size; k++) {
                    out.println("applied " + (next + k));
                }
                if (noWal && rnd.nextInt(800) == 0) {
                    out.println("durable " + store.sync());
                }
                out.flush();
                next += size;
            }
        }
    }
}
