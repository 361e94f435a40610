package io.keel.storage.mvcc.api;

/** etcd's alarm types (etcdserverpb.AlarmType), with etcd's numbers: they travel on the wire and in the store. */
public enum AlarmType {
    /** The store passed its space quota: writes that add data are refused until the alarm is disarmed. */
    NOSPACE(1),
    /** A member's store diverged from its peers' at the same revision. */
    CORRUPT(2);

    private final int number;

    AlarmType(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The type with etcd's number {@code n}; null for NONE (0) and numbers this build does not know. */
    public static AlarmType ofNumber(int n) {
        for (AlarmType t : values()) {
            if (t.number == n) return t;
        }
        return null;
    }
}
