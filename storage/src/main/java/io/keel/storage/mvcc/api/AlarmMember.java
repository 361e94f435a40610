package io.keel.storage.mvcc.api;

import java.util.Comparator;

/** One raised alarm: which member raised it and what kind (etcd's AlarmMember). */
public record AlarmMember(long memberId, AlarmType type) implements Comparable<AlarmMember> {
    private static final Comparator<AlarmMember> ORDER = Comparator
            .comparing(AlarmMember::memberId, Long::compareUnsigned)
            .thenComparing(AlarmMember::type);

    public AlarmMember {
        if (type == null) throw new IllegalArgumentException("an alarm needs a type");
    }

    @Override
    public int compareTo(AlarmMember o) {
        return ORDER.compare(this, o);
    }
}
