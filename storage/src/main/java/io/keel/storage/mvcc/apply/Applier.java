package io.keel.storage.mvcc.apply;

import io.keel.storage.mvcc.StoreCounters;
import io.keel.storage.mvcc.api.AlarmMember;
import io.keel.storage.mvcc.api.AlarmRequest;
import io.keel.storage.mvcc.api.AlarmResponse;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.AuthRecordWrite;
import io.keel.storage.mvcc.api.ClusterRecordWrite;
import io.keel.storage.mvcc.api.CompactRequest;
import io.keel.storage.mvcc.api.CompactResponse;
import io.keel.storage.mvcc.api.CorruptionException;
import io.keel.storage.mvcc.api.DeleteRangeRequest;
import io.keel.storage.mvcc.api.DeleteRangeResponse;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.Keys;
import io.keel.storage.mvcc.api.LeaseCheckpointRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchResponse;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseExpireResponse;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.LeaseRenewRequest;
import io.keel.storage.mvcc.api.LeaseRenewResponse;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.LeaseRevokeResponse;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.api.NoOpResponse;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.QuotaCost;
import io.keel.storage.mvcc.api.RequestChecks;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.RevisionCompactedException;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;
import io.keel.storage.mvcc.layout.AlarmRecord;
import io.keel.storage.mvcc.layout.AuthRecord;
import io.keel.storage.mvcc.layout.ClusterRecord;
import io.keel.storage.mvcc.layout.Column;
import io.keel.storage.mvcc.layout.LeaseRecords;
import io.keel.storage.mvcc.layout.ReadSource;
import io.keel.storage.mvcc.layout.StoreState;
import io.keel.storage.mvcc.read.RevisionReader;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeSet;
import org.rocksdb.RocksIterator;

/**
 * Applies operations to the batch being built, tracking the revision and compacted revision they lead to.
 * Deterministic: every member applying the same entries writes the same bytes. An operation refused with an
 * {@link MvccException} leaves this object's state unchanged; the caller rolls the batch back to before it.
 */
public final class Applier {
    /** etcd's lease.MaxLeaseTTL. */
    static final long MAX_LEASE_TTL = 9_000_000_000L;

    private final ApplyBatch batch;
    private final BatchReads reads;
    private long revision;
    private long compactRevision;
    /** Keys with a live version after the operations so far (recorded in META with the batch). */
    private long liveKeys;
    /** The raised alarms as the operations so far leave them (etcd's alarm store). */
    private final SortedSet<AlarmMember> alarms;
    private boolean alarmsChanged;
    /** Where applied operations are counted (etcd's mvcc metrics), and the counts of the one running. */
    private final StoreCounters counters;
    final StoreCounters.Tally tally = new StoreCounters.Tally();

    public Applier(ApplyBatch batch, BatchReads reads, StoreState start, long liveKeys, List<AlarmMember> alarms,
            StoreCounters counters) {
        this.counters = counters;
        this.batch = batch;
        this.reads = reads;
        this.revision = start.revision();
        this.compactRevision = start.compactRevision();
        this.liveKeys = liveKeys;
        this.alarms = new TreeSet<>(alarms);
    }

    /** The alarms as the applied operations leave them, or null when none of them changed the alarms. */
    public List<AlarmMember> changedAlarms() {
        return alarmsChanged ? List.copyOf(alarms) : null;
    }

    public long revision() {
        return revision;
    }

    public long compactRevision() {
        return compactRevision;
    }

    public long liveKeys() {
        return liveKeys;
    }

    /**
     * Takes back what an operation did to this object's revisions before it was stopped by
     * {@link ApplyBatch.NeedsIndex} (a revoke in a batch of expiries moves the revision before the next one reads),
     * so that it can be applied again. Its key count and counts were not taken yet; alarms change only by an
     * {@link AlarmRequest}, which reads nothing.
     */
    public void restore(long revisionBefore, long compactRevisionBefore) {
        revision = revisionBefore;
        compactRevision = compactRevisionBefore;
    }

    /** Applies one operation; its ranges, puts and deletes are counted once it is done (not if it is refused). */
    public Response apply(long raftIndex, Operation op) {
        tally.clear();
        Response r = applyOne(raftIndex, op);
        liveKeys += tally.keysDelta();
        tally.addTo(counters);
        return r;
    }

    private Response applyOne(long raftIndex, Operation op) {
        if (op instanceof AlarmRequest a) return alarm(a);
        refuseUnderAlarm(op);
        if (op instanceof PutRequest p) {
            return put(p);
        } else if (op instanceof DeleteRangeRequest d) {
            return deleteRange(d);
        } else if (op instanceof TxnRequest t) {
            return txn(t);
        } else if (op instanceof CompactRequest c) {
            return compact(c);
        } else if (op instanceof LeaseGrantRequest g) {
            return grant(raftIndex, g);
        } else if (op instanceof LeaseRevokeRequest r) {
            return revoke(r);
        } else if (op instanceof LeaseRenewRequest r) {
            return renew(raftIndex, r);
        } else if (op instanceof LeaseExpireRequest e) {
            return expire(e);
        } else if (op instanceof LeaseExpireBatchRequest b) {
            return expireAll(b);
        } else if (op instanceof LeaseCheckpointRequest c) {
            checkpoint(c);
        } else if (op instanceof ClusterRecordWrite c) {
            batch.put(Column.META, ClusterRecord.KEY, ClusterRecord.encode(c.record()));
        } else if (op instanceof AuthRecordWrite a) {
            batch.put(Column.META, AuthRecord.KEY, AuthRecord.encode(a.record()));
        }
        return new NoOpResponse(revision);
    }

    /**
     * etcd's capped and corrupt appliers: while NOSPACE is raised anywhere in the cluster, a write that adds data
     * ({@link QuotaCost}) is refused; while CORRUPT is, every client write. The alarms are replicated state, so every
     * member refuses the same entries.
     */
    private void refuseUnderAlarm(Operation op) {
        if (alarms.isEmpty()) return;
        boolean corrupt = false;
        boolean noSpace = false;
        for (AlarmMember a : alarms) {
            corrupt |= a.type() == AlarmType.CORRUPT;
            noSpace |= a.type() == AlarmType.NOSPACE;
        }
        if (corrupt && (op instanceof PutRequest || op instanceof DeleteRangeRequest || op instanceof TxnRequest
                || op instanceof CompactRequest || op instanceof LeaseGrantRequest
                || op instanceof LeaseRevokeRequest)) {
            throw new MvccException(EtcdError.CORRUPT);
        }
        if (noSpace && QuotaCost.of(op) > 0) throw new MvccException(EtcdError.NO_SPACE);
    }

    private AlarmResponse alarm(AlarmRequest a) {
        AlarmMember m = new AlarmMember(a.memberId(), a.type());
        boolean changed = a.action() == AlarmRequest.Action.ACTIVATE ? alarms.add(m) : alarms.remove(m);
        if (!changed) return new AlarmResponse(revision, List.of());
        alarmsChanged = true;
        batch.put(Column.META, AlarmRecord.KEY, AlarmRecord.encode(alarms));
        return new AlarmResponse(revision, List.of(m));
    }

    private RevisionWriter writer() {
        return new RevisionWriter(batch, revision);
    }

    private void commit(RevisionWriter w) {
        revision = w.currentRevision();
    }

    /** A reader of the state as the operation has left it so far. */
    RevisionReader reader(RevisionWriter w) {
        return new RevisionReader(reads, w.currentRevision(), compactRevision);
    }

    private PutResponse put(PutRequest p) {
        RequestChecks.put(p);
        // etcd's standalone put checks the lease before the ignore_* flags (inside a txn it is the other way).
        requireLease(p.lease());
        RevisionWriter w = writer();
        PutResponse r = put(w, p);
        commit(w);
        return r;
    }

    PutResponse put(RevisionWriter w, PutRequest p) {
        // Its revisions, version and lease are all a put needs of the version it replaces, unless it returns or
        // keeps its value.
        RevisionReader reader = reader(w);
        KeyValue prev = p.prevKv() || p.ignoreValue() ? reader.current(p.key()) : reader.currentWithoutValue(p.key());
        // etcd reads the previous version as a range only when the request needs it
        if (p.prevKv() || p.ignoreValue() || p.ignoreLease()) tally.rangeServed();
        if ((p.ignoreValue() || p.ignoreLease()) && prev == null) {
            throw new MvccException(EtcdError.KEY_NOT_FOUND);
        }
        byte[] value = p.ignoreValue() ? prev.value() : p.value();
        long lease = p.ignoreLease() ? prev.lease() : p.lease();
        w.put(p.key(), value, lease, prev);
        tally.putApplied(prev == null);
        return new PutResponse(w.revision(), p.prevKv() ? prev : null);
    }

    private DeleteRangeResponse deleteRange(DeleteRangeRequest d) {
        RequestChecks.delete(d);
        RevisionWriter w = writer();
        DeleteRangeResponse r = deleteRange(w, d);
        commit(w);
        return r;
    }

    DeleteRangeResponse deleteRange(RevisionWriter w, DeleteRangeRequest d) {
        RevisionReader reader = reader(w);
        List<KeyValue> live = reader.scan(d.range(), reader.currentRevision(), 0, false).kvs();
        for (KeyValue kv : live) {
            w.delete(kv);
        }
        tally.deleteApplied(live.size());
        if (d.prevKv()) tally.rangeServed();
        return new DeleteRangeResponse(w.currentRevision(), live.size(), d.prevKv() ? live : List.of());
    }

    private TxnResponse txn(TxnRequest t) {
        RequestChecks.txn(t);
        RevisionWriter w = writer();
        TxnResponse r = new Transaction(this, reader(w)).run(w, t);
        commit(w);
        return r;
    }

    private CompactResponse compact(CompactRequest c) {
        if (c.revision() <= compactRevision) {
            throw new RevisionCompactedException(compactRevision);
        }
        if (c.revision() > revision) {
            throw new MvccException(EtcdError.FUTURE_REVISION);
        }
        tally.compacted(new Compactor(reads, writer()).compact(compactRevision, c.revision()));
        compactRevision = c.revision();
        return new CompactResponse(revision);
    }

    private LeaseGrantResponse grant(long raftIndex, LeaseGrantRequest g) {
        if (g.ttl() > MAX_LEASE_TTL) {
            throw new MvccException(EtcdError.LEASE_TTL_TOO_LARGE);
        }
        long id = g.id() != 0 ? g.id() : newLeaseId(raftIndex);
        if (leaseExists(id)) {
            throw new MvccException(EtcdError.LEASE_EXISTS);
        }
        byte[] key = LeaseRecords.leaseKey(id);
        writer().put(Column.LEASE, key, LeaseRecords.leaseValue(key, g.ttl(), raftIndex));
        tally.leaseGranted();
        return new LeaseGrantResponse(revision, id, g.ttl());
    }

    /**
     * An id derived from the entry's index, so every member picks the same one; probing past ids in use.
     * (etcd's leader picks the id before proposing; a server doing that passes it in the request instead.)
     */
    private long newLeaseId(long raftIndex) {
        for (long seed = raftIndex; ; seed++) {
            long id = mix(seed) & Long.MAX_VALUE;
            if (id != 0 && !leaseExists(id)) {
                return id;
            }
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Records the entry's index as the lease's last renewal; the key space and revision stay as they are. */
    private LeaseRenewResponse renew(long raftIndex, LeaseRenewRequest r) {
        byte[] key = LeaseRecords.leaseKey(r.id());
        byte[] v = reads.get(Column.LEASE, key);
        if (v == null) {
            throw new MvccException(EtcdError.LEASE_NOT_FOUND);
        }
        long ttl = LeaseRecords.ttl(key, v);
        writer().put(Column.LEASE, key, LeaseRecords.leaseValue(key, ttl, raftIndex));
        return new LeaseRenewResponse(revision, r.id(), ttl);
    }

    /**
     * Records each lease's checkpointed remaining time (0 clears it); the granted TTL and the last renewal's index
     * stay as they are. Leases revoked since the leader proposed it are skipped.
     */
    private void checkpoint(LeaseCheckpointRequest c) {
        for (LeaseCheckpointRequest.Checkpoint cp : c.checkpoints()) {
            byte[] key = LeaseRecords.leaseKey(cp.id());
            byte[] v = reads.get(Column.LEASE, key);
            if (v == null) continue;
            writer().put(Column.LEASE, key, LeaseRecords.leaseValue(key, LeaseRecords.ttl(key, v),
                    LeaseRecords.renewedAt(key, v), cp.remainingMillis()));
        }
    }

    /** Revokes the lease unless it is gone or was renewed by an entry after the one the leader had seen. */
    private LeaseExpireResponse expire(LeaseExpireRequest e) {
        byte[] key = LeaseRecords.leaseKey(e.id());
        byte[] v = reads.get(Column.LEASE, key);
        if (v == null || LeaseRecords.renewedAt(key, v) > e.unrenewedSince()) {
            return new LeaseExpireResponse(revision, e.id(), false);
        }
        revoke(new LeaseRevokeRequest(e.id()));
        return new LeaseExpireResponse(revision, e.id(), true);
    }

    /** Each expiry in order, each revoked lease at a revision of its own. */
    private LeaseExpireBatchResponse expireAll(LeaseExpireBatchRequest b) {
        List<LeaseExpireResponse> results = new ArrayList<>(b.expiries().size());
        for (LeaseExpireRequest e : b.expiries()) results.add(expire(e));
        return new LeaseExpireBatchResponse(revision, results);
    }

    /** Deletes every key attached to the lease at one revision, in key order, then the lease. */
    private LeaseRevokeResponse revoke(LeaseRevokeRequest r) {
        requireLease(r.id());
        RevisionWriter w = writer();
        RevisionReader reader = reader(w);
        for (byte[] key : attachedKeys(reads, r.id())) {
            KeyValue kv = reader.currentWithoutValue(key); // a delete writes no value
            if (kv == null || kv.lease() != r.id()) {
                throw new CorruptionException("corrupt record in column family 'lease_key': lease " + r.id()
                        + " lists key " + Keys.printable(key) + ", which is "
                        + (kv == null ? "not live" : "attached to lease " + kv.lease()));
            }
            w.delete(kv);
            tally.deleteApplied(1); // etcd's lessor deletes each attached key on its own
        }
        w.delete(Column.LEASE, LeaseRecords.leaseKey(r.id()));
        tally.leaseRevoked();
        commit(w);
        return new LeaseRevokeResponse(revision);
    }

    void requireLease(long id) {
        if (id != 0 && !leaseExists(id)) {
            throw new MvccException(EtcdError.LEASE_NOT_FOUND);
        }
    }

    boolean leaseExists(long id) {
        return leaseTtl(reads, id).isPresent();
    }

    /** The lease's granted TTL, if there is such a lease. */
    public static OptionalLong leaseTtl(ReadSource reads, long id) {
        byte[] key = LeaseRecords.leaseKey(id);
        byte[] v = reads.get(Column.LEASE, key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(LeaseRecords.ttl(key, v));
    }

    /** The keys attached to a lease, in key order. */
    public static List<byte[]> attachedKeys(ReadSource reads, long id) {
        byte[] leaseKey = LeaseRecords.leaseKey(id);
        List<byte[]> keys = new ArrayList<>();
        try (RocksIterator it = reads.iterator(Column.LEASE_KEY)) {
            for (it.seek(leaseKey); it.isValid(); it.next()) {
                byte[] attachment = it.key();
                if (!LeaseRecords.belongsTo(attachment, leaseKey)) {
                    break;
                }
                keys.add(LeaseRecords.attachedKey(attachment, it.value()));
            }
            ReadSource.finish(it, Column.LEASE_KEY);
        }
        return keys;
    }
}
