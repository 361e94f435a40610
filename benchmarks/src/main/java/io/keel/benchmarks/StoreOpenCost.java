package io.keel.benchmarks;

import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What opening a store with many keys costs (issue 14's start time; issue 12 section 3, step 3): fills a store in
 * {@code DIR} with {@code KEYS} keys of 16-byte values unless {@code DIR} exists, then opens it five times and prints
 * each open's wall time, the opening thread's CPU time and the live-key count it reported. Not a JMH benchmark (one
 * open is the event; JMH's smoke run in CI would pay for the fill). Usage, in {@code benchmarks/}:
 * {@code java -cp "target/classes:$(cat target/benchmarks.classpath)" io.keel.benchmarks.StoreOpenCost DIR KEYS}.
 */
public final class StoreOpenCost {
    private static final int OPENS = 5;
    private static final int BATCH = 1000;

    private StoreOpenCost() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int keys = Integer.parseInt(args[1]);
        if (!Files.exists(dir)) fill(dir, keys);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < OPENS; i++) {
            long cpu = threads.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            MvccOptions options = MvccOptions.defaults();
            try (MvccStore store = MvccStore.open(dir, options)) {
                System.out.printf("open %d: %.1f ms wall, %.1f ms CPU, keys_total %d%n", i,
                        (System.nanoTime() - wall) / 1e6, (threads.getCurrentThreadCpuTime() - cpu) / 1e6,
                        options.counters().liveKeys());
            }
        }
    }

    private static void fill(Path dir, int keys) {
        try (MvccStore store = MvccStore.open(dir, MvccOptions.defaults().withSyncEveryApply(false))) {
            long index = store.appliedIndex() + 1;
            byte[] value = new byte[16];
            for (int start = 0; start < keys; start += BATCH) {
                List<Operation> ops = new ArrayList<>(BATCH);
                for (int i = start; i < Math.min(keys, start + BATCH); i++) {
                    ops.add(PutRequest.of(String.format("key/%09d", i).getBytes(StandardCharsets.UTF_8), value));
                }
                store.applyAll(index, ops);
                index += ops.size();
            }
            store.defragment(); // flushed and compacted: the files a restarted member finds
        }
    }
}
