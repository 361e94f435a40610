package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.server.etcd.proto.CompactionRequest;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.storage.mvcc.api.QuotaCost;
import io.keel.storage.mvcc.api.TxnRequest;

/**
 * An etcd client's write, checked as etcd checks it before proposing and encoded once for its Raft entry: the
 * client's own message in the entry's envelope ({@link OperationCodec}). No store record is made for a put on the
 * way in; the apply path makes it from the entry ({@link EtcdRequests}).
 *
 * @param entry     the Raft entry's data
 * @param quotaCost the bytes etcd's quota counts for it ({@link QuotaCost})
 */
public record ClientWrite(ByteString entry, long quotaCost) {

    /** etcd's put, refused as etcd refuses it (no key) before anything is proposed. */
    public static ClientWrite put(PutRequest r) {
        EtcdRequests.checkPut(r);
        return new ClientWrite(OperationCodec.encode(r), QuotaCost.ofPut(r.getKey().size(), r.getValue().size()));
    }

    /** etcd's delete range (no key: refused). */
    public static ClientWrite delete(DeleteRangeRequest r) {
        EtcdRequests.checkDelete(r);
        return new ClientWrite(OperationCodec.encode(r), 0);
    }

    /** etcd's transaction, already checked into {@code checked} ({@link EtcdRequests#checkedTxn}). */
    public static ClientWrite txn(io.keel.server.etcd.proto.TxnRequest r, TxnRequest checked) {
        return new ClientWrite(OperationCodec.encode(r), QuotaCost.of(checked));
    }

    /** etcd's compaction (checked where it applies: a revision compacted already or still to come is refused). */
    public static ClientWrite compaction(CompactionRequest r) {
        return new ClientWrite(OperationCodec.encode(r), 0);
    }
}
