package io.keel.storage.mvcc;

import static io.keel.storage.mvcc.StoreDriver.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.storage.mvcc.api.AlarmMember;
import io.keel.storage.mvcc.api.AlarmRequest;
import io.keel.storage.mvcc.api.AlarmResponse;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.TxnRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alarms are applied state: raised and cleared by entries, kept across a restart, and while NOSPACE is raised the
 * store refuses exactly what etcd's capped applier refuses (puts, transactions with puts, lease grants) and nothing
 * else; while CORRUPT is raised, every client write.
 */
class AlarmTest {
    private static final long M1 = 0xa1L;
    private static final long M2 = 0xb2L;

    @TempDir
    Path dir;
    StoreDriver s;

    @BeforeEach
    void open() {
        s = new StoreDriver(dir);
        s.put("a", "1");
        s.put("b", "1");
    }

    @AfterEach
    void close() {
        s.close();
    }

    private AlarmResponse alarm(AlarmRequest.Action action, long member, AlarmType type) {
        return (AlarmResponse) s.apply(new AlarmRequest(action, member, type));
    }

    private static void refusedWith(EtcdError error, Runnable r) {
        assertEquals(error, assertThrows(MvccException.class, r::run).error());
    }

    @Test
    void underNoSpaceWritesThatAddDataAreRefusedAndTheRestGoesOn() {
        long revision = s.store.revision();
        AlarmResponse raised = alarm(AlarmRequest.Action.ACTIVATE, M1, AlarmType.NOSPACE);
        assertEquals(List.of(new AlarmMember(M1, AlarmType.NOSPACE)), raised.changed());
        assertEquals(revision, s.store.revision(), "an alarm is no key-value change");
        assertEquals(List.of(), alarm(AlarmRequest.Action.ACTIVATE, M1, AlarmType.NOSPACE).changed(),
                "raising it again changes nothing");

        refusedWith(EtcdError.NO_SPACE, () -> s.put("c", "1"));
        refusedWith(EtcdError.NO_SPACE, () -> s.txn(List.of(), List.of(), List.of(PutRequest.of(b("c"), b("1")))));
        refusedWith(EtcdError.NO_SPACE, () -> s.txn(List.of(), List.of(new TxnRequest(List.of(),
                List.of(PutRequest.of(b("c"), b("1"))), List.of())), List.of()));
        refusedWith(EtcdError.NO_SPACE, () -> s.grant(7, 60));
        assertEquals(revision, s.store.revision(), "nothing refused was written");

        assertEquals(1, s.delete("a").deleted());
        s.txn(List.of(), List.of(new DeleteRangeRequest(b("b"), null, false)), List.of());
        s.compact(s.store.revision());
        assertEquals(0, s.all().size());

        assertEquals(List.of(new AlarmMember(M1, AlarmType.NOSPACE)),
                alarm(AlarmRequest.Action.DEACTIVATE, M1, AlarmType.NOSPACE).changed());
        assertEquals(List.of(), s.store.alarms());
        s.put("c", "1");
        s.grant(7, 60);
    }

    @Test
    void alarmsSurviveARestartAndEachMembersAlarmIsClearedOnItsOwn() {
        alarm(AlarmRequest.Action.ACTIVATE, M2, AlarmType.NOSPACE);
        alarm(AlarmRequest.Action.ACTIVATE, M1, AlarmType.NOSPACE);
        s.reopen();
        assertEquals(List.of(new AlarmMember(M1, AlarmType.NOSPACE), new AlarmMember(M2, AlarmType.NOSPACE)),
                s.store.alarms());
        refusedWith(EtcdError.NO_SPACE, () -> s.put("c", "1"));

        alarm(AlarmRequest.Action.DEACTIVATE, M1, AlarmType.NOSPACE);
        refusedWith(EtcdError.NO_SPACE, () -> s.put("c", "1")); // M2's alarm still stands
        alarm(AlarmRequest.Action.DEACTIVATE, M2, AlarmType.NOSPACE);
        s.reopen();
        assertEquals(List.of(), s.store.alarms());
        s.put("c", "1");
    }

    @Test
    void underCorruptEveryClientWriteIsRefused() {
        s.grant(9, 60);
        alarm(AlarmRequest.Action.ACTIVATE, M2, AlarmType.CORRUPT);
        refusedWith(EtcdError.CORRUPT, () -> s.put("c", "1"));
        refusedWith(EtcdError.CORRUPT, () -> s.delete("a"));
        refusedWith(EtcdError.CORRUPT, () -> s.compact(2));
        refusedWith(EtcdError.CORRUPT, () -> s.revoke(9));
        assertEquals("1", StoreDriver.s(s.get("a").value()), "reads still answer at the store level");
        alarm(AlarmRequest.Action.DEACTIVATE, M2, AlarmType.CORRUPT);
        s.delete("a");
    }

    @Test
    void defragmentingAfterACompactionShrinksTheStoreToItsLiveData() {
        byte[] value = new byte[64 * 1024];
        for (int i = 0; i < 64; i++) {
            new java.util.Random(i).nextBytes(value);
            s.apply(PutRequest.of(b("big"), value));
        }
        s.store.defragment();
        long full = s.store.spaceUsed();
        assertTrue(full > 64L * 64 * 1024, "64 versions of 64 KiB are stored: " + full);
        s.compact(s.store.revision());
        s.store.defragment();
        long after = s.store.spaceUsed();
        assertTrue(after < full / 8, "after compaction and defragmentation only the last version is left: "
                + after + " of " + full);
    }
}
