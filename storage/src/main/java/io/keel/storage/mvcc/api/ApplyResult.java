package io.keel.storage.mvcc.api;

/**
 * What applying one entry of a batch gave: a response, or the etcd error the operation was refused with. A
 * refused operation changed no data but its index counts as applied, as in etcd.
 */
public record ApplyResult(long raftIndex, Response response, MvccException error) {

    public boolean refused() {
        return error != null;
    }
}
