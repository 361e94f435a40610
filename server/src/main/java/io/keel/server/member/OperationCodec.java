package io.keel.server.member;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.server.proto.ClientOp;
import io.keel.server.proto.CompareOp;
import io.keel.server.proto.DeleteRangeOp;
import io.keel.server.proto.LeaseExpireOp;
import io.keel.server.proto.LeaseGrantOp;
import io.keel.server.proto.LeaseRenewOp;
import io.keel.server.proto.LeaseRevokeOp;
import io.keel.server.proto.PutOp;
import io.keel.server.proto.RangeOp;
import io.keel.server.proto.TxnItem;
import io.keel.server.proto.TxnOp;
import io.keel.storage.mvcc.api.AlarmRequest;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.LeaseCheckpointRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchRequest;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseRenewRequest;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.NoOp;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.api.TxnRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Client writes to and from the bytes of a Raft entry (keel_ops.proto). Every member decodes the same bytes the
 * same way, so every member applies the same operation at the same index.
 *
 * <p>A key-value write (put, delete range, txn, compaction) is carried as etcd's own request message, the one the
 * client sent, in the ClientOp envelope (with the origin tag of a forwarded write): the gRPC path encodes the message
 * it received, and the apply path turns it into the store's record with {@link EtcdRequests}, the converter the
 * gRPC path uses for its checks. Entries written by earlier releases (keel_ops' own PutOp, TxnOp, ...) still decode.
 */
public final class OperationCodec {
    private OperationCodec() {
    }

    /** Encodes a write a member may propose: put, delete range, txn, compact, or a lease operation. */
    public static ByteString encode(Operation op) {
        ClientOp.Builder b = ClientOp.newBuilder();
        // The key-value writes as etcd's messages, as the gRPC path proposes them: one encoding for every entry.
        if (op instanceof PutRequest p) {
            b.setEtcdPut(EtcdRequests.toEtcd(p));
        } else if (op instanceof DeleteRangeRequest d) {
            b.setEtcdDeleteRange(EtcdRequests.toEtcd(d));
        } else if (op instanceof TxnRequest t) {
            b.setEtcdTxn(EtcdRequests.toEtcd(t));
        } else if (op instanceof CompactRequest c) {
            b.setEtcdCompaction(EtcdRequests.toEtcd(c));
        } else if (op instanceof LeaseGrantRequest g) {
            b.setLeaseGrant(LeaseGrantOp.newBuilder().setId(g.id()).setTtl(g.ttl()));
        } else if (op instanceof LeaseRevokeRequest r) {
            b.setLeaseRevoke(LeaseRevokeOp.newBuilder().setId(r.id()));
        } else if (op instanceof LeaseRenewRequest r) {
            b.setLeaseRenew(LeaseRenewOp.newBuilder().setId(r.id()));
        } else if (op instanceof LeaseExpireRequest e) {
            b.setLeaseExpire(LeaseExpireOp.newBuilder().setId(e.id()).setUnrenewedSince(e.unrenewedSince()));
        } else if (op instanceof LeaseExpireBatchRequest x) {
            io.keel.server.proto.LeaseExpireBatchOp.Builder xb = io.keel.server.proto.LeaseExpireBatchOp.newBuilder();
            for (LeaseExpireRequest e : x.expiries()) {
                xb.addExpiries(LeaseExpireOp.newBuilder().setId(e.id()).setUnrenewedSince(e.unrenewedSince()));
            }
            b.setLeaseExpireBatch(xb);
        } else if (op instanceof AlarmRequest a) {
            b.setAlarm(io.keel.server.proto.AlarmOp.newBuilder()
                    .setActivate(a.action() == AlarmRequest.Action.ACTIVATE).setMemberId(a.memberId())
                    .setAlarm(a.type().number()));
        } else if (op instanceof LeaseCheckpointRequest c) {
            io.keel.server.proto.LeaseCheckpointOp.Builder cb = io.keel.server.proto.LeaseCheckpointOp.newBuilder();
            for (LeaseCheckpointRequest.Checkpoint cp : c.checkpoints()) {
                cb.addCheckpoints(io.keel.server.proto.LeaseCheckpointOp.Checkpoint.newBuilder().setId(cp.id())
                        .setRemainingMs(cp.remainingMillis()));
            }
            b.setLeaseCheckpoint(cb);
        } else {
            throw new IllegalArgumentException("not a client write: " + op);
        }
        return b.build().toByteString();
    }

    /** An etcd client's put, as its Raft entry carries it (the message itself, in the envelope). */
    public static ByteString encode(io.keel.server.etcd.proto.PutRequest put) {
        return ClientOp.newBuilder().setEtcdPut(put).build().toByteString();
    }

    /** An etcd client's delete range, as its Raft entry carries it. */
    public static ByteString encode(io.keel.server.etcd.proto.DeleteRangeRequest delete) {
        return ClientOp.newBuilder().setEtcdDeleteRange(delete).build().toByteString();
    }

    /** An etcd client's transaction, as its Raft entry carries it. */
    public static ByteString encode(io.keel.server.etcd.proto.TxnRequest txn) {
        return ClientOp.newBuilder().setEtcdTxn(txn).build().toByteString();
    }

    /** An etcd client's compaction, as its Raft entry carries it. */
    public static ByteString encode(io.keel.server.etcd.proto.CompactionRequest compaction) {
        return ClientOp.newBuilder().setEtcdCompaction(compaction).build().toByteString();
    }

    /** A forwarded write's origin: appended to an encoded op, it sets the origin fields (protobuf merges). */
    static ByteString origin(long member, long request) {
        return ClientOp.newBuilder().setOriginMember(member).setOriginRequest(request).build().toByteString();
    }

    /** The member and request that forwarded this write, or null if it was proposed at the leader (or is none). */
    static Origin originOf(ClientOp op) {
        return op == null || op.getOriginMember() == 0 ? null : new Origin(op.getOriginMember(), op.getOriginRequest());
    }

    record Origin(long member, long request) {
    }

    /**
     * The client operation an entry carries, parsed once for everything that reads it on the apply path; null for a
     * leader's empty entry and membership changes.
     */
    public static ClientOp clientOpOf(Entry entry) {
        if (entry.getType() != EntryType.ENTRY_NORMAL || entry.getData().isEmpty()) return null;
        try {
            // Aliasing: the parsed key and value are views of the entry's bytes, not copies; the store's record
            // then makes the only copy of them on the apply path. The entry's bytes never change (a ByteString).
            CodedInputStream in = entry.getData().newCodedInput();
            in.enableAliasing(true);
            return ClientOp.parseFrom(in);
        } catch (IOException e) { // InvalidProtocolBufferException: the bytes are in memory, nothing else fails
            // Every member would fail the same way on the same committed bytes: this is a bug, not a refusal.
            throw new IllegalStateException("entry " + entry.getIndex() + " holds no valid client operation", e);
        }
    }

    /** The store operation an entry carries ({@link #operation} of its {@link #clientOpOf}). */
    public static Operation decode(Entry entry) {
        return operation(entry.getIndex(), clientOpOf(entry));
    }

    /**
     * The store operation for entry {@code index}'s client operation. An entry without one (a leader's empty entry,
     * a membership change) carries nothing for the store but still advances its applied index (so the next entry is
     * not taken for a gap).
     */
    public static Operation operation(long index, ClientOp op) {
        if (op == null) return NoOp.INSTANCE;
        return switch (op.getOpCase()) {
            case ETCD_PUT -> EtcdRequests.put(op.getEtcdPut());
            case ETCD_DELETE_RANGE -> EtcdRequests.delete(op.getEtcdDeleteRange());
            case ETCD_TXN -> EtcdRequests.txn(op.getEtcdTxn());
            case ETCD_COMPACTION -> EtcdRequests.compact(op.getEtcdCompaction());
            // Entries written before etcd's messages went into the log (existing logs hold them): still applied.
            case PUT -> put(op.getPut());
            case DELETE_RANGE -> delete(op.getDeleteRange());
            case TXN -> txn(op.getTxn());
            case COMPACT -> new CompactRequest(op.getCompact().getRevision());
            case LEASE_GRANT -> new LeaseGrantRequest(op.getLeaseGrant().getId(), op.getLeaseGrant().getTtl());
            case LEASE_REVOKE -> new LeaseRevokeRequest(op.getLeaseRevoke().getId());
            case LEASE_RENEW -> new LeaseRenewRequest(op.getLeaseRenew().getId());
            case LEASE_EXPIRE -> new LeaseExpireRequest(op.getLeaseExpire().getId(),
                    op.getLeaseExpire().getUnrenewedSince());
            case LEASE_EXPIRE_BATCH -> new LeaseExpireBatchRequest(op.getLeaseExpireBatch().getExpiriesList().stream()
                    .map(e -> new LeaseExpireRequest(e.getId(), e.getUnrenewedSince())).toList());
            case LEASE_CHECKPOINT -> new LeaseCheckpointRequest(op.getLeaseCheckpoint().getCheckpointsList().stream()
                    .map(cp -> new LeaseCheckpointRequest.Checkpoint(cp.getId(), cp.getRemainingMs())).toList());
            case ALARM -> alarm(index, op.getAlarm());
            // The member directory's own entries: the apply pipeline hands them to it (membership package).
            case MEMBER_ATTRIBUTES, MEMBER_PEER_URLS, MEMBER_INCARNATION -> NoOp.INSTANCE;
            // Auth entries: the apply pipeline hands them to the auth state (auth package).
            case AUTH -> NoOp.INSTANCE;
            case OP_NOT_SET -> throw new IllegalStateException("entry " + index + " holds an empty client"
                    + " operation (written by a newer Keel?)");
        };
    }

    private static AlarmRequest alarm(long index, io.keel.server.proto.AlarmOp a) {
        AlarmType type = AlarmType.ofNumber(a.getAlarm());
        if (type == null) {
            // Only known types are proposed: every member would stop here alike, so this is a newer writer.
            throw new IllegalStateException("entry " + index + " raises alarm type " + a.getAlarm()
                    + ", which this build does not know (written by a newer Keel?)");
        }
        return new AlarmRequest(a.getActivate() ? AlarmRequest.Action.ACTIVATE : AlarmRequest.Action.DEACTIVATE,
                a.getMemberId(), type);
    }

    // The keel_ops encoding of key-value writes, which entries written before etcd's messages went into the log carry.

    private static PutRequest put(PutOp p) {
        return new PutRequest(p.getKey().toByteArray(), p.getValue().toByteArray(), p.getLease(), p.getPrevKv(),
                p.getIgnoreValue(), p.getIgnoreLease());
    }

    private static DeleteRangeRequest delete(DeleteRangeOp d) {
        return new DeleteRangeRequest(d.getKey().toByteArray(), d.getRangeEnd().toByteArray(), d.getPrevKv());
    }

    private static RangeRequest range(RangeOp r) {
        return new RangeRequest(r.getKey().toByteArray(), r.getRangeEnd().toByteArray(), r.getLimit(),
                r.getRevision(), RangeRequest.SortOrder.valueOf(r.getSortOrder()),
                RangeRequest.SortTarget.valueOf(r.getSortTarget()), r.getKeysOnly(), r.getCountOnly(),
                r.getMinModRevision(), r.getMaxModRevision(), r.getMinCreateRevision(), r.getMaxCreateRevision());
    }

    private static TxnRequest txn(TxnOp t) {
        List<Compare> compares = new ArrayList<>();
        for (CompareOp c : t.getCompareList()) {
            compares.add(new Compare(Compare.Result.valueOf(c.getResult()), Compare.Target.valueOf(c.getTarget()),
                    c.getKey().toByteArray(), c.getRangeEnd().toByteArray(), c.getNumber(),
                    c.getValue().toByteArray()));
        }
        return new TxnRequest(compares, items(t.getSuccessList()), items(t.getFailureList()));
    }

    private static List<io.keel.storage.mvcc.api.TxnOp> items(List<TxnItem> items) {
        List<io.keel.storage.mvcc.api.TxnOp> ops = new ArrayList<>(items.size());
        for (TxnItem i : items) {
            ops.add(switch (i.getOpCase()) {
                case RANGE -> range(i.getRange());
                case PUT -> put(i.getPut());
                case DELETE_RANGE -> delete(i.getDeleteRange());
                case TXN -> txn(i.getTxn());
                case OP_NOT_SET -> throw new IllegalStateException("a txn holds an empty operation");
            });
        }
        return ops;
    }
}
