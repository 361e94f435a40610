package io.keel.storage.mvcc.api;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd's gRPC layer makes before proposing (v3rpc/key.go), made again at apply so that every member
 * refuses the same entries whatever the server in front of it checked. The limit on ops per transaction is a
 * server setting (--max-txn-ops) and is checked there.
 */
public final class RequestChecks {
    private RequestChecks() {}

    public static void range(RangeRequest r) {
        requireKey(r.key());
    }

    public static void put(PutRequest p) {
        requireKey(p.key());
        if (p.ignoreValue() && p.value().length != 0) {
            throw new MvccException(EtcdError.VALUE_PROVIDED);
        }
        if (p.ignoreLease() && p.lease() != 0) {
            throw new MvccException(EtcdError.LEASE_PROVIDED);
        }
    }

    public static void delete(DeleteRangeRequest d) {
        requireKey(d.key());
    }

    public static void txn(TxnRequest t) {
        shape(t);
        overlaps(t.success());
        overlaps(t.failure());
    }

    private static void shape(TxnRequest t) {
        for (Compare c : t.compare()) {
            requireKey(c.key());
        }
        for (List<TxnOp> ops : List.of(t.success(), t.failure())) {
            for (TxnOp op : ops) {
                if (op instanceof RangeRequest r) {
                    range(r);
                } else if (op instanceof PutRequest p) {
                    put(p);
                } else if (op instanceof DeleteRangeRequest d) {
                    delete(d);
                } else if (op instanceof TxnRequest nested) {
                    shape(nested);
                }
            }
        }
    }

    private static void requireKey(byte[] key) {
        if (key == null || key.length == 0) {
            throw new MvccException(EtcdError.EMPTY_KEY);
        }
    }

    /** A delete as etcd's interval tree sees it: a point, or [key, rangeEnd) with rangeEnd taken literally. */
    private record Deleted(byte[] key, byte[] rangeEnd) {
        boolean covers(byte[] k) {
            if (rangeEnd.length == 0) {
                return java.util.Arrays.equals(key, k);
            }
            // Literal comparison, as etcd 3.4: a range end of "\0" ("every key from here") never covers a key
            // here, so such a delete plus a put passes etcd's check, and must pass Keel's.
            return Keys.compare(key, k) <= 0 && Keys.compare(k, rangeEnd) < 0;
        }
    }

    private record Writes(Set<ByteBuffer> puts, List<Deleted> deletes) {}

    /**
     * etcd's checkIntervals: within one branch (nested transactions included), a key may be put only once, and
     * not put inside a range the same branch deletes. A nested transaction's two branches are exclusive, so
     * they may put the same key.
     */
    private static Writes overlaps(List<TxnOp> ops) {
        List<Deleted> deletes = new ArrayList<>();
        for (TxnOp op : ops) {
            if (op instanceof DeleteRangeRequest d) {
                deletes.add(new Deleted(d.key(), d.rangeEnd()));
            }
        }
        Set<ByteBuffer> puts = new HashSet<>();
        for (TxnOp op : ops) {
            if (!(op instanceof TxnRequest nested)) {
                continue;
            }
            Writes then = overlaps(nested.success());
            Writes otherwise = overlaps(nested.failure());
            for (ByteBuffer k : then.puts()) {
                if (puts.contains(k) || covered(deletes, k)) {
                    throw new MvccException(EtcdError.DUPLICATE_KEY);
                }
                puts.add(k);
            }
            for (ByteBuffer k : otherwise.puts()) {
                if ((puts.contains(k) && !then.puts().contains(k)) || covered(deletes, k)) {
                    throw new MvccException(EtcdError.DUPLICATE_KEY);
                }
                puts.add(k);
            }
            deletes.addAll(then.deletes());
            deletes.addAll(otherwise.deletes());
        }
        for (TxnOp op : ops) {
            if (op instanceof PutRequest p) {
                ByteBuffer k = ByteBuffer.wrap(p.key());
                if (puts.contains(k) || covered(deletes, k)) {
                    throw new MvccException(EtcdError.DUPLICATE_KEY);
                }
                puts.add(k);
            }
        }
        return new Writes(puts, deletes);
    }

    private static boolean covered(List<Deleted> deletes, ByteBuffer key) {
        byte[] k = key.array();
        for (Deleted d : deletes) {
            if (d.covers(k)) {
                return true;
            }
        }
        return false;
    }
}
