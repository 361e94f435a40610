package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.Event;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.RangeResponse;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.TxnOp;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Seeded random puts, deletes, transactions and compactions, applied in random batches to the store and to
 * {@link ReferenceModel}; after every batch, ranges at random current and past revisions (and change feeds)
 * must agree, errors included. The store is restarted now and then. A failure names its seed and step.
 */
class ModelTest {
    private static final int STEPS = 60;

    /**
     * Each seed with the apply thread's cache of current records ({@code apply.CurrentCache}) off, at 4 KiB (a few
     * dozen records: constant eviction) and at its default size: the store must agree with the model in every case.
     */
    static Stream<Arguments> seedsAndCaches() {
        return LongStream.rangeClosed(1, 8).boxed().flatMap(seed -> Stream.of(0L, 4096L,
                MvccOptions.defaults().currentCacheBytes()).map(cache -> Arguments.of(seed, cache)));
    }

    @ParameterizedTest(name = "seed {0}, current cache {1} bytes")
    @MethodSource("seedsAndCaches")
    void theStoreAgreesWithTheReferenceModel(long seed, long cacheBytes, @TempDir Path dir) {
        Random rnd = new Random(seed);
        ReferenceModel model = new ReferenceModel();
        try (StoreDriver s = new StoreDriver(dir, MvccOptions.defaults().withCurrentCacheBytes(cacheBytes))) {
            for (int step = 0; step < STEPS; step++) {
                String where = "seed " + seed + " step " + step;
                List<Operation> batch = new ArrayList<>();
                int size = 1 + rnd.nextInt(6);
                for (int i = 0; i < size; i++) {
                    batch.add(randomOperation(rnd, model));
                }
                List<ApplyResult> results = s.applyAll(batch);
                for (int i = 0; i < size; i++) {
                    check(model.apply(batch.get(i)), results.get(i), where + " entry " + i + ": " + batch.get(i));
                }
                assertEquals(model.revision(), s.store.revision(), where);
                assertEquals(model.compactRevision, s.store.compactRevision(), where);
                for (int r = 0; r < 6; r++) {
                    checkRange(s, model, rnd, where);
                }
                checkChanges(s, model, rnd, where);
                if (rnd.nextInt(20) == 0) {
                    s.reopen();
                }
            }
        }
    }

    private static String key(Random rnd) {
        return "k" + rnd.nextInt(12) + (rnd.nextInt(4) == 0 ? "/" + rnd.nextInt(3) : "");
    }

    private static KeyRange range(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> KeyRange.single(b(key(rnd)));
            case 1 -> KeyRange.prefix(b("k" + rnd.nextInt(12)));
            case 2 -> new KeyRange(b(key(rnd)), b(key(rnd)));
            default -> KeyRange.atLeast(b(key(rnd)));
        };
    }

    private static Operation randomOperation(Random rnd, ReferenceModel model) {
        int kind = rnd.nextInt(100);
        if (kind < 40) {
            return PutRequest.of(b(key(rnd)), b("v" + rnd.nextInt(1000)));
        }
        if (kind < 55) {
            return DeleteRangeRequest.of(range(rnd));
        }
        if (kind < 60) {
            return new CompactRequest(model.compactRevision - 1 + rnd.nextInt(
                    (int) (model.revision() - model.compactRevision) + 3));
        }
        List<Compare> compares = new ArrayList<>();
        for (int i = rnd.nextInt(3); i > 0; i--) {
            compares.add(randomCompare(rnd, model));
        }
        return new TxnRequest(compares, randomOps(rnd, model), randomOps(rnd, model));
    }

    private static Compare randomCompare(Random rnd, ReferenceModel model) {
        byte[] k = b(key(rnd));
        Compare.Result result = Compare.Result.values()[rnd.nextInt(4)];
        KeyValue current = model.at(model.revision()).get(StoreDriver.s(k));
        long near = current == null ? 0 : rnd.nextInt(3) - 1;
        Compare c = switch (rnd.nextInt(4)) {
            case 0 -> Compare.value(k, result, current != null && rnd.nextBoolean() ? current.value()
                    : b("v" + rnd.nextInt(1000)));
            case 1 -> Compare.version(k, result, (current == null ? 0 : current.version()) + near);
            case 2 -> Compare.modRevision(k, result, (current == null ? 0 : current.modRevision()) + near);
            default -> Compare.createRevision(k, result, (current == null ? 0 : current.createRevision()) + near);
        };
        return rnd.nextInt(5) == 0 ? c.overRange(KeyRange.prefix(b("k" + rnd.nextInt(12))).rangeEnd()) : c;
    }

    private static List<TxnOp> randomOps(Random rnd, ReferenceModel model) {
        List<TxnOp> ops = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            switch (rnd.nextInt(3)) {
                case 0 -> ops.add(PutRequest.of(b(key(rnd)), b("t" + rnd.nextInt(1000))));
                case 1 -> ops.add(DeleteRangeRequest.of(rnd.nextBoolean() ? KeyRange.single(b(key(rnd)))
                        : KeyRange.prefix(b("k" + rnd.nextInt(12)))));
                default -> ops.add(RangeRequest.of(range(rnd)).atRevision(rnd.nextInt(3) == 0
                        ? Math.max(1, model.revision() - rnd.nextInt(5)) : 0));
            }
        }
        return ops;
    }

    private static void check(ReferenceModel.Outcome expected, ApplyResult actual, String where) {
        if (expected.error() != null) {
            assertEquals(expected.error(), actual.refused() ? actual.error().error() : null, where);
            return;
        }
        assertNull(actual.error(), where);
        assertEquals(expected.revision(), actual.response().revision(), where + ": header revision");
        if (actual.response() instanceof TxnResponse t) {
            assertEquals(expected.succeeded(), t.succeeded(), where);
            List<List<KeyValue>> ranges = new ArrayList<>();
            for (Response r : t.responses()) {
                if (r instanceof RangeResponse rr) {
                    ranges.add(rr.kvs());
                }
            }
            assertEquals(expected.ranges(), ranges, where);
        }
    }

    private static void checkRange(StoreDriver s, ReferenceModel model, Random rnd, String where) {
        KeyRange range = range(rnd);
        long rev = rnd.nextInt(4) == 0 ? 0 : Math.max(1, model.compactRevision - 2
                + rnd.nextInt((int) (model.revision() - model.compactRevision) + 5));
        RangeRequest request = RangeRequest.of(range).atRevision(rev);
        String what = where + ": range " + range + " at " + rev;
        List<KeyValue> expected;
        try {
            expected = model.range(range, rev);
        } catch (MvccException e) {
            MvccException actual = org.junit.jupiter.api.Assertions.assertThrows(MvccException.class,
                    () -> s.range(request), what);
            assertEquals(e.error(), actual.error(), what);
            return;
        }
        RangeResponse r = s.range(request);
        assertEquals(expected, r.kvs(), what);
        assertEquals(expected.size(), r.count(), what);
        assertEquals(model.revision(), r.revision(), what);
        if (expected.size() > 1) {
            RangeResponse limited = s.range(request.withLimit(1));
            assertEquals(expected.subList(0, 1), limited.kvs(), what + " limit 1");
            assertEquals(expected.size(), limited.count(), what + " limit 1");
        }
    }

    private static void checkChanges(StoreDriver s, ReferenceModel model, Random rnd, String where) {
        // Strictly above the compacted revision nothing has been compacted away.
        long from = model.compactRevision + 1 + rnd.nextInt((int) (model.revision() - model.compactRevision) + 1);
        KeyRange range = range(rnd);
        List<String> expected = new ArrayList<>();
        for (ReferenceModel.Change c : model.changes) {
            if (c.revision() >= from && range.contains(c.kv().key())) {
                expected.add(c.type() + " " + c.kv());
            }
        }
        List<String> actual = new ArrayList<>();
        for (Event e : s.store.changesSince(from, range, false, Integer.MAX_VALUE).events()) {
            actual.add(e.type() + " " + e.kv());
        }
        assertEquals(expected, actual, where + ": changes to " + range + " from " + from);
    }
}
