package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.ClusterGrpc;
import io.keel.server.etcd.proto.CompactionRequest;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.DeleteRangeResponse;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.MemberListRequest;
import io.keel.server.etcd.proto.MemberListResponse;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.PutResponse;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.ResponseHeader;
import io.keel.server.etcd.proto.ResponseOp;
import io.keel.server.etcd.proto.SnapshotRequest;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.TxnResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd's v3 API over gRPC, with stubs generated from Keel's .proto, against one member that leads. */
class EtcdGrpcServerTest {
    @RegisterExtension
    static final LeaderForClass member = new LeaderForClass();
    static KVGrpc.KVBlockingStub kv;

    @BeforeAll
    static void start() {
        kv = KVGrpc.newBlockingStub(member.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static String str(ByteString b) {
        return b.toStringUtf8();
    }

    static PutResponse put(String k, String v) {
        return kv.put(PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).build());
    }

    static RangeResponse get(String k) {
        return kv.range(RangeRequest.newBuilder().setKey(bs(k)).build());
    }

    static StatusRuntimeException refused(Status.Code code, String message, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), () -> e.getStatus().toString());
        assertEquals(message, e.getStatus().getDescription());
        return e;
    }

    @Test
    void putThenGetWithHeader() {
        PutResponse put = put("greeting", "hello");
        ResponseHeader h = put.getHeader();
        assertEquals(member.keel().clusterId(), h.getClusterId());
        assertEquals(1L, h.getMemberId());
        assertTrue(h.getClusterId() != 0);
        assertTrue(h.getRevision() >= 2, "the first write makes revision 2: " + h.getRevision());
        assertEquals(member.keel().state().term(), h.getRaftTerm());
        assertTrue(h.getRaftTerm() >= 1);

        RangeResponse got = get("greeting");
        assertEquals(1, got.getCount());
        assertEquals("hello", str(got.getKvs(0).getValue()));
        assertEquals(h.getRevision(), got.getKvs(0).getModRevision());
        assertEquals(h.getRevision(), got.getKvs(0).getCreateRevision());
        assertEquals(1, got.getKvs(0).getVersion());
        assertTrue(got.getHeader().getRevision() >= h.getRevision());
        assertEquals(member.keel().clusterId(), got.getHeader().getClusterId());

        RangeResponse serializable = kv.range(RangeRequest.newBuilder().setKey(bs("greeting")).setSerializable(true)
                .build());
        assertEquals("hello", str(serializable.getKvs(0).getValue()));

        RangeResponse missing = get("no-such-key");
        assertEquals(0, missing.getCount());
        assertEquals(0, missing.getKvsCount());
    }

    @Test
    void prefixRangeKeysOnlyLimitAndSort() {
        put("fruit/apple", "red");
        put("fruit/banana", "yellow");
        put("fruit/cherry", "dark red");
        put("fruit0", "outside the prefix");

        RangeRequest prefix = RangeRequest.newBuilder().setKey(bs("fruit/")).setRangeEnd(bs("fruit0")).build();
        RangeResponse all = kv.range(prefix);
        assertEquals(List.of("fruit/apple", "fruit/banana", "fruit/cherry"),
                all.getKvsList().stream().map(k -> str(k.getKey())).toList());
        assertEquals(3, all.getCount());
        assertFalse(all.getMore());

        RangeResponse keysOnly = kv.range(prefix.toBuilder().setKeysOnly(true).build());
        assertEquals(3, keysOnly.getKvsCount());
        assertTrue(keysOnly.getKvsList().stream().allMatch(k -> k.getValue().isEmpty()));

        RangeResponse limited = kv.range(prefix.toBuilder().setLimit(2).build());
        assertEquals(2, limited.getKvsCount());
        assertTrue(limited.getMore());
        assertEquals(3, limited.getCount(), "count is every key that matched");

        RangeResponse counted = kv.range(prefix.toBuilder().setCountOnly(true).build());
        assertEquals(0, counted.getKvsCount());
        assertEquals(3, counted.getCount());

        RangeResponse descending = kv.range(prefix.toBuilder().setSortOrder(RangeRequest.SortOrder.DESCEND)
                .setSortTarget(RangeRequest.SortTarget.KEY).build());
        assertEquals("fruit/cherry", str(descending.getKvs(0).getKey()));
    }

    @Test
    void readAtPastAndFutureRevisions() {
        long first = put("versioned", "v1").getHeader().getRevision();
        long second = put("versioned", "v2").getHeader().getRevision();
        assertTrue(second > first);

        RangeResponse old = kv.range(RangeRequest.newBuilder().setKey(bs("versioned")).setRevision(first).build());
        assertEquals("v1", str(old.getKvs(0).getValue()));
        assertEquals(1, old.getKvs(0).getVersion());
        assertEquals(second, old.getHeader().getRevision(), "the header has the store's revision, as etcd's");
        RangeResponse now = get("versioned");
        assertEquals("v2", str(now.getKvs(0).getValue()));
        assertEquals(2, now.getKvs(0).getVersion());
        assertEquals(first, now.getKvs(0).getCreateRevision());

        refused(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision",
                () -> kv.range(RangeRequest.newBuilder().setKey(bs("versioned")).setRevision(second + 1000).build()));
    }

    @Test
    void compactionThenReadBelowIt() {
        long before = put("compacted", "old").getHeader().getRevision();
        long after = put("compacted", "new").getHeader().getRevision();
        var compacted = kv.compact(CompactionRequest.newBuilder().setRevision(after).setPhysical(true).build());
        assertEquals(member.keel().clusterId(), compacted.getHeader().getClusterId());
        assertTrue(compacted.getHeader().getRevision() >= after);

        refused(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted",
                () -> kv.range(RangeRequest.newBuilder().setKey(bs("compacted")).setRevision(before).build()));
        refused(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted",
                () -> kv.compact(CompactionRequest.newBuilder().setRevision(before).build()));
        assertEquals("new", str(get("compacted").getKvs(0).getValue()));
    }

    @Test
    void deleteWithPrevKvAndPrefix() {
        put("gone", "soon");
        DeleteRangeResponse deleted = kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("gone"))
                .setPrevKv(true).build());
        assertEquals(1, deleted.getDeleted());
        assertEquals("soon", str(deleted.getPrevKvs(0).getValue()));
        assertEquals(0, get("gone").getCount());
        assertEquals(0, kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("gone")).build()).getDeleted());

        put("dir/a", "1");
        put("dir/b", "2");
        DeleteRangeResponse prefix = kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("dir/"))
                .setRangeEnd(bs("dir0")).build());
        assertEquals(2, prefix.getDeleted());
        assertEquals(0, prefix.getPrevKvsCount());
    }

    @Test
    void txnCompareAndSet() {
        long rev = put("cas", "1").getHeader().getRevision();
        TxnRequest swap = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("cas")).setTarget(Compare.CompareTarget.MOD)
                        .setResult(Compare.CompareResult.EQUAL).setModRevision(rev))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("cas"))
                        .setValue(bs("2"))))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs("cas"))))
                .build();
        TxnResponse won = kv.txn(swap);
        assertTrue(won.getSucceeded());
        assertEquals(ResponseOp.ResponseCase.RESPONSE_PUT, won.getResponses(0).getResponseCase());
        assertTrue(won.getHeader().getRevision() > rev);
        assertEquals(member.keel().clusterId(), won.getHeader().getClusterId());
        assertEquals(won.getHeader().getRevision(), won.getResponses(0).getResponsePut().getHeader().getRevision());

        TxnResponse lost = kv.txn(swap);
        assertFalse(lost.getSucceeded());
        RangeResponse seen = lost.getResponses(0).getResponseRange();
        assertEquals("2", str(seen.getKvs(0).getValue()));

        TxnResponse byValue = kv.txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("cas")).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(bs("2")))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(bs("cas"))))
                .build());
        assertTrue(byValue.getSucceeded());
        assertEquals(1, byValue.getResponses(0).getResponseDeleteRange().getDeleted());

        // Create-if-absent with create_revision = 0, read-only txn answered without a write.
        TxnRequest absent = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("cas")).setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
                .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs("cas"))))
                .build();
        TxnResponse readOnly = kv.txn(absent);
        assertTrue(readOnly.getSucceeded());
        assertEquals(byValue.getHeader().getRevision(), readOnly.getHeader().getRevision());
    }

    @Test
    void etcdErrorsWithTheirCodesAndTexts() {
        refused(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
                () -> kv.put(PutRequest.newBuilder().setValue(bs("v")).build()));
        refused(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
                () -> kv.range(RangeRequest.newBuilder().build()));
        refused(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found",
                () -> kv.put(PutRequest.newBuilder().setKey(bs("never-put")).setIgnoreValue(true).build()));
        TxnRequest.Builder tooMany = TxnRequest.newBuilder();
        for (int i = 0; i <= EtcdGrpcServer.DEFAULT_MAX_TXN_OPS; i++) {
            tooMany.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("k" + i))));
        }
        refused(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request",
                () -> kv.txn(tooMany.build()));
        refused(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request",
                () -> kv.txn(TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("d"))))
                        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("d"))))
                        .build()));
        refused(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found", // etcd's answer to an empty op
                () -> kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance()).build()));
        refused(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
                () -> kv.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder()
                        .setTarget(Compare.CompareTarget.VERSION)).build()));
        byte[] big = new byte[EtcdGrpcServer.DEFAULT_MAX_REQUEST_BYTES + 1];
        refused(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large",
                () -> kv.put(PutRequest.newBuilder().setKey(bs("big")).setValue(ByteString.copyFrom(big)).build()));
    }

    @Test
    void defragmentIsServedNow() throws Exception {
        // Issue 14: Defragment (once this test's example of an unserved RPC) compacts this member's store files.
        var answer = MaintenanceGrpc.newBlockingStub(member.channel())
                .defragment(io.keel.server.etcd.proto.DefragmentRequest.getDefaultInstance());
        assertEquals(member.keel().memberId(), answer.getHeader().getMemberId());
    }

    @Test
    void snapshotStreamsACheckedCopyAtTheFirstHeadersRevision(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var kv = KVGrpc.newBlockingStub(member.channel());
        for (int i = 0; i < 20; i++) {
            kv.put(PutRequest.newBuilder().setKey(bs("snap-" + i)).setValue(bs("v" + i)).build());
        }
        var stream = MaintenanceGrpc.newBlockingStub(member.channel()).snapshot(SnapshotRequest.getDefaultInstance());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        long headerRevision = -1;
        long remaining = -1;
        while (stream.hasNext()) {
            var r = stream.next();
            if (headerRevision < 0) headerRevision = r.getHeader().getRevision();
            assertEquals(headerRevision, r.getHeader().getRevision(), "every header names the copy's revision");
            r.getBlob().writeTo(bytes);
            remaining = r.getRemainingBytes();
        }
        assertEquals(0, remaining);
        assertEquals(32, bytes.size() % 512, "etcdctl's rule: a multiple of 512 bytes plus a SHA-256");
        java.nio.file.Path file = java.nio.file.Files.write(dir.resolve("copy.db"), bytes.toByteArray());
        int[] chunks = new int[1];
        var info = io.keel.server.backup.BackupFile.read(file, chunk -> chunks[0]++);
        assertEquals(headerRevision, info.manifest().revision());
        assertEquals(member.keel().clusterId(), info.clusterId());
        assertEquals(info.manifest().chunkCount(), chunks[0]);
        io.keel.server.Poll.until("the checkpoint is deleted once the stream ends", () -> {
            try (var leftovers = java.nio.file.Files.list(member.keel().dataDir().resolve("backups"))) {
                return leftovers.count() == 0;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void aSnapshotTheClientCancelsLeavesNoCheckpointBehind() throws Exception {
        var kv = KVGrpc.newBlockingStub(member.channel());
        ByteString value = ByteString.copyFrom(new byte[4096]);
        for (int i = 0; i < 200; i++) kv.put(PutRequest.newBuilder().setKey(bs("big-" + i)).setValue(value).build());
        io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
        long remaining = call.call(() -> MaintenanceGrpc.newBlockingStub(member.channel())
                .snapshot(SnapshotRequest.getDefaultInstance()).next().getRemainingBytes());
        assertTrue(remaining > 0, "more than one blob to send");
        call.cancel(null);
        io.keel.server.Poll.until("the cancelled snapshot's checkpoint is deleted", () -> {
            try (var leftovers = java.nio.file.Files.list(member.keel().dataDir().resolve("backups"))) {
                return leftovers.count() == 0;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(kv.put(PutRequest.newBuilder().setKey(bs("after-cancel")).setValue(bs("1")).build())
                .getHeader().getRevision() > 0, "the member goes on serving");
    }

    @Test
    void statusAndMemberList() {
        StatusResponse status = MaintenanceGrpc.newBlockingStub(member.channel()).status(StatusRequest.getDefaultInstance());
        assertEquals(1L, status.getLeader());
        assertEquals(member.keel().clusterId(), status.getHeader().getClusterId());
        assertTrue(status.getRaftTerm() >= 1);
        assertTrue(status.getRaftIndex() >= 1);
        assertTrue(status.getDbSize() > 0);
        assertTrue(status.getVersion().startsWith("3.4"));

        // The member announces its client URL through Raft once its API serves.
        io.keel.server.Poll.until("the member's client URL is listed", () -> ClusterGrpc.newBlockingStub(member.channel())
                .memberList(MemberListRequest.getDefaultInstance()).getMembers(0).getClientURLsCount() == 1);
        MemberListResponse members = ClusterGrpc.newBlockingStub(member.channel())
                .memberList(MemberListRequest.getDefaultInstance());
        assertEquals(1, members.getMembersCount());
        assertEquals(1L, members.getMembers(0).getID());
        assertEquals("1", members.getMembers(0).getName());
        assertEquals("http://127.0.0.1:" + member.server().port(), members.getMembers(0).getClientURLs(0));
        assertTrue(members.getMembers(0).getPeerURLs(0).startsWith("http://"));
    }
}
