package io.keel.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import io.keel.storage.mvcc.MvccStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member's store has no write-ahead log: its Raft log is the durable record. kill -9 of a real launcher process
 * loses the store's applies since its last flush; this proves that the restarted member applies them again from its
 * log, each exactly once: every key comes back with the same value, version and revisions, deleted keys stay
 * deleted, and the member's revision is the one it had before the kill.
 */
@ExtendWith(MemberOutputOnFailure.class)
class StoreWithoutWalCrashTest {
    private static final Duration DEADLINE = ProcessCluster.DEADLINE;
    private static final int KEYS = 20;
    private static final int ROUNDS = 5;

    private MemberProcess member;

    @AfterEach
    void stop() throws InterruptedException {
        if (member != null) member.close();
    }

    @Test
    void aKilledMemberReappliesWhatItsStoreLostFromItsLog(@TempDir Path dir) throws Exception {
        member = new MemberProcess("solo", dir);
        member.start();
        Poll.until("the member is ready", DEADLINE, () -> member.status("/readyz") == 200);
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(member.channel);
        Poll.until("the member answers on its client port", DEADLINE, () -> answers(kv));
        // Every key overwritten ROUNDS times: an entry applied twice would show in its version.
        for (int round = 0; round < ROUNDS; round++) {
            for (int k = 0; k < KEYS; k++) {
                kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("key/" + k))
                        .setValue(ByteString.copyFromUtf8("v" + round + "-" + k)).build());
            }
        }
        kv.withDeadlineAfter(30, TimeUnit.SECONDS).deleteRange(DeleteRangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("key/1")).setRangeEnd(ByteString.copyFromUtf8("key/2")).build());
        RangeResponse before = everyKey(kv);
        assertEquals(KEYS - 11, before.getKvsCount(), "key/1 and key/10..key/19 deleted");

        member.kill9();
        // What the store itself kept: without a WAL, not the applies since its last flush (a fresh member has
        // not compacted its log, so it has not flushed since it started).
        long storeRevision;
        try (MvccStore store = MvccStore.open(member.dataDir().resolve("store"))) {
            storeRevision = store.revision();
        }
        assertTrue(storeRevision < before.getHeader().getRevision(), "the store kept revision " + storeRevision
                + " of " + before.getHeader().getRevision() + ": the kill lost nothing, so nothing was re-applied");

        member.start("--initial-cluster-state", "existing");
        Poll.until("the restarted member is ready", DEADLINE, () -> member.status("/readyz") == 200);
        AtomicReference<RangeResponse> after = new AtomicReference<>();
        Poll.until("the restarted member is back at revision " + before.getHeader().getRevision(), DEADLINE, () -> {
            try {
                after.set(everyKey(kv));
                return after.get().getHeader().getRevision() >= before.getHeader().getRevision();
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
        assertEquals(before.getHeader().getRevision(), after.get().getHeader().getRevision());
        assertEquals(before.getKvsList(), after.get().getKvsList(), "every key, its value, version and revisions");
    }

    private static boolean answers(KVGrpc.KVBlockingStub kv) {
        try {
            everyKey(kv);
            return true;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    private static RangeResponse everyKey(KVGrpc.KVBlockingStub kv) {
        return kv.withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("key/")).setRangeEnd(ByteString.copyFromUtf8("key0"))
                .setSerializable(true).build());
    }
}
