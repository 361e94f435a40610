package io.keel.storage.mvcc.layout;

import io.keel.storage.mvcc.api.AlarmMember;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.Keys;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/**
 * The raised alarms in {@code meta}: crc32c(4) | count(4) | (member id(8) | type(4)) per alarm, sorted. Written in
 * the same atomic batch as the entry that changed them, so they survive a restart and travel with store snapshots
 * (a snapshot is a checkpoint of every column family). Absent: no alarm was ever raised.
 */
public final class AlarmRecord {
    public static final byte[] KEY = Keys.utf8("alarms");
    private static final int EACH = 12;

    private AlarmRecord() {
    }

    /** The record of {@code alarms}, to be written under {@link #KEY} in {@code meta}. */
    public static byte[] encode(SortedSet<AlarmMember> alarms) {
        byte[] value = new byte[Checksum.SIZE + 4 + EACH * alarms.size()];
        Layout.putInt(value, Checksum.SIZE, alarms.size());
        int at = Checksum.SIZE + 4;
        for (AlarmMember a : alarms) {
            Layout.putLong(value, at, a.memberId());
            Layout.putInt(value, at + 8, a.type().number());
            at += EACH;
        }
        Checksum.seal(KEY, value);
        return value;
    }

    public static List<AlarmMember> read(ReadSource reads) {
        return decode(reads.get(Column.META, KEY));
    }

    static List<AlarmMember> decode(byte[] value) {
        if (value == null) return List.of();
        Checksum.verify(KEY, value, Column.META, "alarms");
        if (value.length < Checksum.SIZE + 4) throw Checksum.corrupt(Column.META, "alarms", "bad length "
                + value.length);
        int n = Layout.getInt(value, Checksum.SIZE);
        if (n < 0 || value.length != Checksum.SIZE + 4 + (long) EACH * n) {
            throw Checksum.corrupt(Column.META, "alarms", "bad length " + value.length + " for " + n + " alarms");
        }
        List<AlarmMember> alarms = new ArrayList<>(n);
        int at = Checksum.SIZE + 4;
        for (int i = 0; i < n; i++) {
            AlarmType type = AlarmType.ofNumber(Layout.getInt(value, at + 8));
            if (type == null) {
                throw Checksum.corrupt(Column.META, "alarms", "unknown alarm type " + Layout.getInt(value, at + 8));
            }
            alarms.add(new AlarmMember(Layout.getLong(value, at), type));
            at += EACH;
        }
        return List.copyOf(alarms);
    }
}
