package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.CompactionRequest;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.proto.ClientOp;
import io.keel.server.proto.CompactOp;
import io.keel.server.proto.CompareOp;
import io.keel.server.proto.DeleteRangeOp;
import io.keel.server.proto.PutOp;
import io.keel.server.proto.RangeOp;
import io.keel.server.proto.TxnItem;
import io.keel.server.proto.TxnOp;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.Operation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One encoding of a request (issue 12): a key-value write's entry carries etcd's own message, and both that and the
 * keel_ops encoding earlier releases wrote (still in existing logs) decode to the same store operation.
 */
class OperationCodecEtcdTest {
    private static final ByteString KEY = ByteString.copyFromUtf8("k");
    private static final ByteString END = ByteString.copyFromUtf8("z");
    private static final ByteString VALUE = ByteString.copyFromUtf8("v");

    @Test
    void anEtcdPutIsCarriedAsItsOwnMessageAndDecodesToTheStoresPut() throws Exception {
        PutRequest put = PutRequest.newBuilder().setKey(KEY).setValue(VALUE).setLease(7).setPrevKv(true).build();
        ByteString data = ClientWrite.put(put).entry();
        assertEquals(put, ClientOp.parseFrom(data).getEtcdPut(), "the client's message, as it sent it");
        assertEquals(put, EtcdRequests.toEtcd((io.keel.storage.mvcc.api.PutRequest) decode(data)));
    }

    @Test
    void entriesOfTheEarlierEncodingDecodeToTheSameOperations() {
        PutRequest put = PutRequest.newBuilder().setKey(KEY).setValue(VALUE).setLease(7).setPrevKv(true)
                .setIgnoreLease(true).build();
        ByteString oldPut = ClientOp.newBuilder().setPut(PutOp.newBuilder().setKey(KEY).setValue(VALUE).setLease(7)
                .setPrevKv(true).setIgnoreLease(true)).build().toByteString();
        assertEquals(put, EtcdRequests.toEtcd((io.keel.storage.mvcc.api.PutRequest) decode(oldPut)));
        assertEquals(put, EtcdRequests.toEtcd((io.keel.storage.mvcc.api.PutRequest) decode(OperationCodec.encode(put))));

        DeleteRangeRequest delete = DeleteRangeRequest.newBuilder().setKey(KEY).setRangeEnd(END).setPrevKv(true)
                .build();
        ByteString oldDelete = ClientOp.newBuilder().setDeleteRange(DeleteRangeOp.newBuilder().setKey(KEY)
                .setRangeEnd(END).setPrevKv(true)).build().toByteString();
        assertEquals(delete, EtcdRequests.toEtcd((io.keel.storage.mvcc.api.DeleteRangeRequest) decode(oldDelete)));
        assertEquals(delete, EtcdRequests.toEtcd(
                (io.keel.storage.mvcc.api.DeleteRangeRequest) decode(OperationCodec.encode(delete))));

        ByteString oldCompact = ClientOp.newBuilder().setCompact(CompactOp.newBuilder().setRevision(12)).build()
                .toByteString();
        assertEquals(12, ((CompactRequest) decode(oldCompact)).revision());
        assertEquals(12, ((CompactRequest) decode(OperationCodec.encode(
                CompactionRequest.newBuilder().setRevision(12).build()))).revision());

        // A compare of every target, a nested txn and every kind of operation in the branches.
        TxnRequest nested = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(KEY).setTarget(Compare.CompareTarget.LEASE)
                        .setResult(Compare.CompareResult.NOT_EQUAL).setLease(3))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(delete)).build();
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(KEY).setTarget(Compare.CompareTarget.MOD)
                        .setResult(Compare.CompareResult.EQUAL).setModRevision(5))
                .addCompare(Compare.newBuilder().setKey(KEY).setRangeEnd(END).setTarget(Compare.CompareTarget.VERSION)
                        .setResult(Compare.CompareResult.GREATER).setVersion(2))
                .addCompare(Compare.newBuilder().setKey(KEY).setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.LESS).setCreateRevision(9))
                .addCompare(Compare.newBuilder().setKey(KEY).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(VALUE))
                .addSuccess(RequestOp.newBuilder().setRequestPut(put))
                .addSuccess(RequestOp.newBuilder().setRequestTxn(nested))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(KEY)
                        .setRangeEnd(END).setLimit(4).setSortOrder(RangeRequest.SortOrder.DESCEND)
                        .setSortTarget(RangeRequest.SortTarget.MOD).setKeysOnly(true).setMinModRevision(2)))
                .build();
        TxnOp oldNested = TxnOp.newBuilder()
                .addCompare(CompareOp.newBuilder().setKey(KEY).setTarget("LEASE").setResult("NOT_EQUAL").setNumber(3))
                .addSuccess(TxnItem.newBuilder().setDeleteRange(DeleteRangeOp.newBuilder().setKey(KEY)
                        .setRangeEnd(END).setPrevKv(true))).build();
        ByteString oldTxn = ClientOp.newBuilder().setTxn(TxnOp.newBuilder()
                .addCompare(CompareOp.newBuilder().setKey(KEY).setTarget("MOD").setResult("EQUAL").setNumber(5))
                .addCompare(CompareOp.newBuilder().setKey(KEY).setRangeEnd(END).setTarget("VERSION")
                        .setResult("GREATER").setNumber(2))
                .addCompare(CompareOp.newBuilder().setKey(KEY).setTarget("CREATE").setResult("LESS").setNumber(9))
                .addCompare(CompareOp.newBuilder().setKey(KEY).setTarget("VALUE").setResult("EQUAL").setValue(VALUE))
                .addSuccess(TxnItem.newBuilder().setPut(PutOp.newBuilder().setKey(KEY).setValue(VALUE).setLease(7)
                        .setPrevKv(true).setIgnoreLease(true)))
                .addSuccess(TxnItem.newBuilder().setTxn(oldNested))
                .addFailure(TxnItem.newBuilder().setRange(RangeOp.newBuilder().setKey(KEY).setRangeEnd(END)
                        .setLimit(4).setSortOrder("DESCEND").setSortTarget("MOD").setKeysOnly(true)
                        .setMinModRevision(2))))
                .build().toByteString();
        assertEquals(txn, EtcdRequests.toEtcd((io.keel.storage.mvcc.api.TxnRequest) decode(oldTxn)));
        assertEquals(txn, EtcdRequests.toEtcd((io.keel.storage.mvcc.api.TxnRequest) decode(OperationCodec.encode(txn))));
    }

    @Test
    void aWriteMadeThroughTheEmbeddedApiIsCarriedAsEtcdsMessageToo() throws Exception {
        var put = io.keel.storage.mvcc.api.PutRequest.of(new byte[]{'k'}, new byte[]{'v'}).withLease(4);
        ClientOp op = ClientOp.parseFrom(OperationCodec.encode(put));
        assertEquals(ClientOp.OpCase.ETCD_PUT, op.getOpCase());
        assertEquals(PutRequest.newBuilder().setKey(KEY).setValue(VALUE).setLease(4).build(), op.getEtcdPut());
    }

    private static Operation decode(ByteString data) {
        return OperationCodec.decode(Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(5).setTerm(1)
                .setData(data).build());
    }
}
