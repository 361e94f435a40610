package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.keel.server.cli.OfflineTools.etcdctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, space: three launcher processes with a small --quota-backend-bytes are filled until a write is refused;
 * the NOSPACE alarm is then raised cluster-wide (etcdctl alarm list, endpoint status), writes that add data are
 * refused at every member while reads, deletes and compaction go on, the alarm survives a member's restart, and
 * after compaction, defragmentation (DB SIZE falls) and `etcdctl alarm disarm` writes are taken again.
 */
@ExtendWith(MemberOutputOnFailure.class)
class SpaceQuotaProcessTest {
    private static final long QUOTA = 12L * 1024 * 1024;
    private static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";

    private ProcessCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    void fillingTheQuotaRaisesNoSpaceAndCompactionDefragAndDisarmRecover(@TempDir Path dir) throws Exception {
        cluster = ProcessCluster.start(dir, "space-quota", new String[] {"m1", "m2", "m3"},
                "--quota-backend-bytes", Long.toString(QUOTA));
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(cluster.members);
        MemberProcess follower = cluster.others(leader).get(0);
        String all = cluster.members.stream().map(OfflineTools::endpoint).collect(Collectors.joining(","));
        long emptySize = status(leader).getDbSize();
        assertTrue(emptySize < QUOTA / 4, "an empty store is far below the quota: " + emptySize);

        // Fill through the follower with 256 KiB values (each different: RocksDB compresses) until one is refused.
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(follower.channel);
        byte[] value = new byte[256 * 1024];
        Random random = new Random(14);
        int written = 0;
        StatusRuntimeException refusal = null;
        while (refusal == null) {
            random.nextBytes(value);
            try {
                kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("big/" + written)).setValue(ByteString.copyFrom(value))
                        .build());
                written++;
            } catch (StatusRuntimeException e) {
                refusal = e;
            }
            assertTrue(written < 4 * QUOTA / value.length, "no refusal after " + written + " puts of 256 KiB");
        }
        assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, refusal.getStatus().getCode(), refusal.toString());
        assertEquals(NO_SPACE, refusal.getStatus().getDescription());
        // A live value is stored twice (history and the current-version column): the quota holds about half as much.
        assertTrue(written * (long) value.length > QUOTA / 3, "the quota was reached with the store about full: "
                + written + " puts");

        // The alarm is raised through Raft: every member lists it.
        Poll.until("the NOSPACE alarm is listed", ProcessCluster.DEADLINE,
                () -> etcdctlOut(dir, OfflineTools.endpoint(leader), "alarm", "list").contains("alarm:NOSPACE"));
        for (MemberProcess m : cluster.members) {
            Poll.until(m.name + " lists the alarm in its status", ProcessCluster.DEADLINE,
                    () -> status(m).getErrorsList().stream().anyMatch(e -> e.contains("alarm:NOSPACE")));
        }
        assertTrue(etcdctlOut(dir, all, "endpoint", "status").contains("alarm:NOSPACE"),
                "endpoint status shows the alarm in its ERRORS column");

        // Writes that add data are refused at every member, small ones too; reads and deletes go on.
        for (MemberProcess m : cluster.members) {
            OfflineTools.Result put = etcdctl(dir, OfflineTools.endpoint(m), "put", "small", "1");
            assertNotEquals(0, put.exit(), put.toString());
            assertTrue(put.out().contains(NO_SPACE), put.toString());
        }
        StatusRuntimeException txnRefused = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class, () -> kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("t"))
                                .setValue(ByteString.copyFromUtf8("1")))).build()));
        assertEquals(NO_SPACE, txnRefused.getStatus().getDescription(), "a txn with a put is refused");
        kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("nothing")))).build());
        assertTrue(etcdctl(dir, OfflineTools.endpoint(leader), "lease", "grant", "60").out().contains(NO_SPACE),
                "a lease grant is refused too");
        assertEquals("big/0", etcdctlOut(dir, OfflineTools.endpoint(follower), "get", "big/0", "--keys-only")
                .trim(), "reads go on");

        // The alarm is replicated state: a restarted member still has it.
        MemberProcess restarted = cluster.others(leader).get(1);
        restarted.kill9();
        cluster.startMember(restarted);
        Poll.until(restarted.name + " lists the alarm after its restart", ProcessCluster.DEADLINE,
                () -> listsNoSpace(restarted));

        // Recovery: delete, compact, defragment; the store shrinks, writes stay refused until the alarm is disarmed.
        String deleted = etcdctlOut(dir, OfflineTools.endpoint(leader), "del", "--prefix", "big/");
        assertEquals(Integer.toString(written), deleted.trim());
        long revision = status(leader).getHeader().getRevision();
        assertTrue(etcdctlOut(dir, OfflineTools.endpoint(leader), "compact", Long.toString(revision))
                .contains("compacted revision " + revision));
        long fullSize = status(leader).getDbSize();
        String defrag = etcdctlOut(dir, all, "defrag");
        assertTrue(defrag.contains("Finished defragmenting etcd member"), defrag);
        for (MemberProcess m : cluster.members) {
            long size = status(m).getDbSize();
            assertTrue(size < QUOTA / 4, m.name + "'s DB SIZE after compaction and defrag is " + size + " (it was "
                    + fullSize + " at the leader before)");
        }
        assertTrue(etcdctl(dir, OfflineTools.endpoint(follower), "put", "small", "1").out().contains(NO_SPACE),
                "still refused while the alarm stands");

        String disarmed = etcdctlOut(dir, OfflineTools.endpoint(follower), "alarm", "disarm");
        assertTrue(disarmed.contains("alarm:NOSPACE"), disarmed);
        assertEquals("", etcdctlOut(dir, OfflineTools.endpoint(leader), "alarm", "list").trim());
        for (MemberProcess m : cluster.members) {
            assertEquals("OK", etcdctlOut(dir, OfflineTools.endpoint(m), "put", "after-" + m.name, "1").trim());
        }
        assertTrue(etcdctlOut(dir, OfflineTools.endpoint(leader), "lease", "grant", "60").contains("granted"));
    }

    /** Whether {@code m} answers its status with the NOSPACE alarm among its errors (false while it is down). */
    private static boolean listsNoSpace(MemberProcess m) {
        try {
            return status(m).getErrorsList().stream().anyMatch(e -> e.contains("alarm:NOSPACE"));
        } catch (StatusRuntimeException notUpYet) {
            return false;
        }
    }

    private static StatusResponse status(MemberProcess m) {
        return MaintenanceGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance());
    }

    private static String etcdctlOut(Path dir, String endpoints, String... args) {
        try {
            OfflineTools.Result r = etcdctl(dir, endpoints, args);
            assertEquals(0, r.exit(), () -> "etcdctl " + String.join(" ", args) + ": " + r);
            return r.out();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
