package io.keel.server.member;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.server.proto.AlarmOp;
import io.keel.server.proto.ClientOp;
import io.keel.storage.mvcc.api.AlarmRequest;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.Operation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Alarm entries survive the trip through a Raft entry's bytes; an alarm type this build does not know stops it. */
class OperationCodecAlarmTest {
    private static Entry entry(com.google.protobuf.ByteString data) {
        return Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(7).setTerm(2).setData(data).build();
    }

    @Test
    void alarmsRoundTrip() {
        for (Operation op : new Operation[] {
                new AlarmRequest(AlarmRequest.Action.ACTIVATE, 0xca0df2c95aa144c1L, AlarmType.NOSPACE),
                new AlarmRequest(AlarmRequest.Action.DEACTIVATE, 1, AlarmType.CORRUPT)}) {
            assertEquals(op, OperationCodec.decode(entry(OperationCodec.encode(op))));
        }
    }

    @Test
    void anUnknownAlarmTypeIsNotTakenForAnother() {
        var data = ClientOp.newBuilder().setAlarm(AlarmOp.newBuilder().setActivate(true).setMemberId(1).setAlarm(3))
                .build().toByteString();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> OperationCodec.decode(entry(data)));
        assertTrue(e.getMessage().contains("alarm type 3"), e.getMessage());
    }
}
