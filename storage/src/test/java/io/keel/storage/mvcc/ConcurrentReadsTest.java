package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.TxnRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads running while entries are applied see one instant: every entry puts "clock" and "shadow", so in any
 * consistent view both carry the header revision, and a past read agrees with the present one it was.
 */
class ConcurrentReadsTest {

    @Test
    void aReadDuringAppliesSeesDataAndHeaderRevisionFromTheSameInstant(@TempDir Path dir)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (MvccStore store = MvccStore.open(dir)) {
            AtomicBoolean done = new AtomicBoolean();
            Future<Integer> writer = pool.submit(() -> {
                long index = 0;
                for (int batch = 0; batch < 60; batch++) {
                    List<Operation> ops = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        long n = index + i + 1;
                        ops.add(new TxnRequest(List.of(), List.of(PutRequest.of(b("clock"), b("" + n)),
                                PutRequest.of(b("shadow"), b("" + n))), List.of()));
                    }
                    store.applyAll(index + 1, ops);
                    index += ops.size();
                }
                done.set(true);
                return (int) index;
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    int reads = 0;
                    while (!done.get() || reads < 10) {
                        RangeResponse now = store.range(RangeRequest.of(new KeyRange(b("clock"), b("shadow\0"))));
                        reads++;
                        if (now.kvs().isEmpty()) {
                            assertEquals(1, now.revision());
                            continue;
                        }
                        assertEquals(2, now.kvs().size());
                        for (KeyValue kv : now.kvs()) {
                            assertEquals(now.revision(), kv.modRevision(), "torn read: " + now);
                        }
                        RangeResponse then = store.range(RangeRequest.key(b("clock")).atRevision(now.revision()));
                        assertEquals(now.kvs().get(0), then.kvs().get(0));
                    }
                    return reads;
                }));
            }
            assertEquals(300, writer.get(60, TimeUnit.SECONDS));
            for (Future<Integer> reader : readers) {
                assertTrue(reader.get(60, TimeUnit.SECONDS) >= 10);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
