package io.keel.storage.mvcc.api;

/**
 * etcd's PutRequest. {@code ignoreValue} keeps the key's current value and {@code ignoreLease} its current
 * lease; both need the key to exist ("key not found" otherwise) and refuse a value or lease given alongside.
 */
public record PutRequest(byte[] key, byte[] value, long lease, boolean prevKv, boolean ignoreValue,
                         boolean ignoreLease) implements Operation, TxnOp {

    public PutRequest {
        value = value == null ? KeyValue.EMPTY : value;
    }

    public static PutRequest of(byte[] key, byte[] value) {
        return new PutRequest(key, value, 0, false, false, false);
    }

    public PutRequest withLease(long id) {
        return new PutRequest(key, value, id, prevKv, ignoreValue, ignoreLease);
    }

    public PutRequest withPrevKv() {
        return new PutRequest(key, value, lease, true, ignoreValue, ignoreLease);
    }

    public PutRequest ignoringValue() {
        return new PutRequest(key, value, lease, prevKv, true, ignoreLease);
    }

    public PutRequest ignoringLease() {
        return new PutRequest(key, value, lease, prevKv, ignoreValue, true);
    }

    @Override
    public String toString() {
        return "Put[" + Keys.printable(key) + " = " + Keys.printable(value) + (lease != 0 ? ", lease " + lease : "")
                + (prevKv ? ", prev_kv" : "") + (ignoreValue ? ", ignore_value" : "")
                + (ignoreLease ? ", ignore_lease" : "") + "]";
    }
}
