package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.HardState;
import io.keel.server.auth.AuthApplier;
import io.keel.server.auth.AuthState;
import io.keel.server.auth.SimpleTokens;
import io.keel.server.membership.DirectoryApplier;
import io.keel.server.membership.MemberDirectory;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.RangeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The member's state machine on real RocksDB: a RocksDB Raft log and an MVCC store opened as a member opens it (no
 * sync per apply). Each entry's outcome carries the store's response or its refusal, the entry listener hears of
 * every entry before the batch is handed back, the after-apply hook (the member's watch hub and lease waiters) once
 * per batch the store holds, a forwarded write's origin tag is recognised only for this member,
 * and the log is compacted every {@code snapshotEntries} applied entries.
 */
class StoreStateMachineTest {
    private static final long CLUSTER = 7;
    private static final long ME = 1;

    @TempDir
    Path dir;

    private RocksLogStorage log;
    private StoreRef store;
    private final List<Long> listened = new CopyOnWriteArrayList<>();
    /** The store's applied index each time the machine told its after-apply hook. */
    private final List<Long> afterApplyAt = new CopyOnWriteArrayList<>();
    private final List<Throwable> compactionFailures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        log = RocksLogStorage.create(dir.resolve("raft-log"), CLUSTER, ME);
        store = new StoreRef(MvccStore.open(dir.resolve("store"), MvccOptions.defaults().withSyncEveryApply(false)));
    }

    @AfterEach
    void close() {
        store.close();
        log.close();
    }

    private StoreStateMachine machine(long snapshotEntries) {
        return machine(snapshotEntries, Runnable::run);
    }

    /** {@code compactionWorker}: where the log compaction's rounds run (at once, or held by the test). */
    private StoreStateMachine machine(long snapshotEntries, Executor compactionWorker) {
        DirectoryApplier directory = new DirectoryApplier(MemberDirectory.decode(store.current().clusterRecord()));
        AuthApplier auth = new AuthApplier(AuthState.decode(store.current().authRecord()),
                new SimpleTokens(System::nanoTime));
        SnapshotInstaller installer = new SnapshotInstaller(ME, dir, MvccOptions.defaults());
        return new StoreStateMachine(store, log, ConfState.newBuilder().addVoters(ME).build(), installer,
                snapshotEntries, new LogCompaction(log, compactionWorker, compactionFailures::add),
                (s, entry, op, result) -> listened.add(entry.getIndex()), directory, auth,
                MemberObserver.NONE, () -> afterApplyAt.add(store.current().appliedIndex()));
    }

    /** Entries {@code from..} carrying {@code data}, written to the Raft log as committed (as a Ready would be). */
    private List<Entry> committed(long from, ByteString... data) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < data.length; i++) {
            entries.add(Entry.newBuilder().setIndex(from + i).setTerm(1).setType(EntryType.ENTRY_NORMAL)
                    .setData(data[i]).build());
        }
        log.persist(entries, HardState.newBuilder().setTerm(1).setCommit(from + data.length - 1).build(), null);
        return entries;
    }

    private static ByteString put(String key, String value) {
        return OperationCodec.encode(PutRequest.of(bytes(key), bytes(value)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void eachEntryGetsTheStoresResponseAndTheListenerHearsOfItFirst() {
        StoreStateMachine machine = machine(1_000);
        List<EntryOutcome> outcomes = machine.apply(committed(1, put("a", "1"), put("b", "2")), null);

        assertEquals(2, outcomes.size());
        assertEquals(2, ((PutResponse) outcomes.get(0).response()).revision());
        assertEquals(3, ((PutResponse) outcomes.get(1).response()).revision());
        assertNull(outcomes.get(0).refusal());
        assertEquals(List.of(1L, 2L), listened, "the listener heard of each entry before the batch returned");
        assertEquals(2, store.current().appliedIndex());
        assertEquals("2", new String(store.read(s -> s.range(RangeRequest.key(bytes("b")))).kvs().get(0).value(),
                StandardCharsets.UTF_8));
    }

    @Test
    void theAfterApplyHookHearsOfEachBatchOnceTheStoreHoldsIt() {
        StoreStateMachine machine = machine(1_000);
        machine.apply(committed(1, put("a", "1"), put("b", "2")), null);
        machine.apply(List.of(), null); // nothing applied: nobody to wake
        machine.apply(committed(3, put("c", "3")), null);
        assertEquals(List.of(2L, 3L), afterApplyAt, "once per applied batch, with the store through its last entry");
    }

    @Test
    void aStoreRefusalIsTheOutcomeAndTheEntryStillApplies() {
        StoreStateMachine machine = machine(1_000);
        List<EntryOutcome> outcomes = machine.apply(committed(1, put("a", "1"),
                OperationCodec.encode(new CompactRequest(100)), put("b", "2")), null);

        MvccException refusal = assertInstanceOf(MvccException.class, outcomes.get(1).refusal());
        assertEquals(EtcdError.FUTURE_REVISION.message(), refusal.getMessage());
        assertNull(outcomes.get(1).response());
        assertEquals(3, store.current().appliedIndex(),
                "the refused entry applied (as a no-op), and the one after it");
        assertEquals(3, ((PutResponse) outcomes.get(2).response()).revision());
    }

    @Test
    void onlyThisMembersOriginTagIsRecognised() {
        StoreStateMachine machine = machine(1_000);
        ByteString mine = machine.tagOrigin(put("a", "1"), ME, 41);
        ByteString theirs = machine.tagOrigin(put("b", "2"), 2, 42);
        List<Entry> entries = committed(1, mine, theirs, put("c", "3"));
        List<EntryOutcome> outcomes = machine.apply(entries, null);

        assertEquals(2, ((PutResponse) outcomes.get(0).response()).revision(), "the tag does not change the write");
        assertEquals(41, machine.originRequest(entries.get(0), ME));
        assertEquals(-1, machine.originRequest(entries.get(1), ME), "another member's forward");
        assertEquals(42, machine.originRequest(entries.get(1), 2));
        assertEquals(-1, machine.originRequest(entries.get(2), ME), "not forwarded");
        // An entry of no batch just applied is parsed on its own.
        Entry alone = Entry.newBuilder().setIndex(9).setTerm(1).setData(mine).build();
        assertEquals(41, machine.originRequest(alone, ME));
    }

    @Test
    void requestIdsStartNonNegativeSoEveryForwardedWriteIsRecognised() {
        RandomGenerator negative = () -> -2L; // every nextLong of this generator is negative
        long first = StoreStateMachine.firstRequestId(negative);
        assertTrue(first >= 0, "starts at " + first);
        StoreStateMachine machine = machine(1_000);
        List<Entry> entries = committed(1, machine.tagOrigin(put("a", "1"), ME, first));
        machine.apply(entries, null);
        assertEquals(first, machine.originRequest(entries.get(0), ME));
        assertEquals(Long.MAX_VALUE, StoreStateMachine.firstRequestId(() -> -1L));
    }

    @Test
    void theLogIsCompactedOnceSnapshotEntriesApplied() {
        StoreStateMachine machine = machine(3);
        machine.apply(committed(1, put("a", "1"), put("b", "2")), null);
        assertEquals(1, log.firstIndex(), "two entries past the first index: not yet");

        machine.apply(committed(3, put("c", "3"), put("d", "4")), null);
        assertEquals(5, log.firstIndex(), "compacted through the last applied entry");
    }

    /**
     * The compaction's store flush takes 60-120 ms under load: it runs beside the apply thread, one round at a time,
     * and the apply returns without waiting for it.
     */
    @Test
    void theLogIsCompactedBesideTheApplyThreadOneRoundAtATime() {
        ArrayDeque<Runnable> held = new ArrayDeque<>();
        StoreStateMachine machine = machine(3, held::add);
        machine.apply(committed(1, put("a", "1"), put("b", "2"), put("c", "3"), put("d", "4")), null);
        assertEquals(1, held.size(), "a round was asked for");
        assertEquals(1, log.firstIndex(), "the apply returned before the round ran");

        machine.apply(committed(5, put("e", "5"), put("f", "6"), put("g", "7")), null);
        assertEquals(1, held.size(), "no second round while one runs");
        held.poll().run();
        assertEquals(5, log.firstIndex(), "compacted through the entry the round was asked for");

        machine.apply(committed(8, put("h", "8")), null);
        assertEquals(1, held.size(), "the next round once the first ended");
        held.poll().run();
        assertEquals(9, log.firstIndex());
        assertEquals(List.of(), compactionFailures);
        assertEquals(8, store.current().appliedIndex());
    }

    @Test
    void aRoundThatFailsIsReportedToStopTheMember() {
        ArrayDeque<Runnable> held = new ArrayDeque<>();
        StoreStateMachine machine = machine(3, held::add);
        machine.apply(committed(1, put("a", "1"), put("b", "2"), put("c", "3"), put("d", "4")), null);
        store.current().close(); // the store can no longer be synced: the round must not compact the log
        held.poll().run();
        assertEquals(1, compactionFailures.size());
        assertNotNull(compactionFailures.get(0).getMessage());
        assertEquals(1, log.firstIndex(), "nothing compacted past a store that was not made durable");
    }
}
