package io.keel.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.AlarmMember;
import io.keel.server.etcd.proto.AlarmRequest;
import io.keel.server.etcd.proto.AlarmResponse;
import io.keel.server.etcd.proto.AlarmType;
import io.keel.server.etcd.proto.HashKVRequest;
import io.keel.server.etcd.proto.HashRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.StatusRequest;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Maintenance.Alarm, Hash and HashKV as etcd answers them, on one member. */
class MaintenanceAlarmTest {
    @RegisterExtension
    static final LeaderForClass member = new LeaderForClass();

    private static MaintenanceGrpc.MaintenanceBlockingStub maintenance() {
        return MaintenanceGrpc.newBlockingStub(member.channel());
    }

    private static AlarmResponse alarm(AlarmRequest.AlarmAction action, long memberId, AlarmType type) {
        return maintenance().alarm(AlarmRequest.newBuilder().setAction(action).setMemberID(memberId).setAlarm(type)
                .build());
    }

    @Test
    void alarmsAreRaisedListedByTypeAndDisarmedAsEtcds() {
        long self = member.keel().memberId();
        AlarmMember corrupt = AlarmMember.newBuilder().setMemberID(77).setAlarm(AlarmType.CORRUPT).build();
        AlarmMember noSpace = AlarmMember.newBuilder().setMemberID(self).setAlarm(AlarmType.NOSPACE).build();
        assertEquals(List.of(noSpace), alarm(AlarmRequest.AlarmAction.ACTIVATE, self, AlarmType.NOSPACE)
                .getAlarmsList());
        assertEquals(List.of(), alarm(AlarmRequest.AlarmAction.ACTIVATE, self, AlarmType.NOSPACE).getAlarmsList(),
                "already raised: nothing changed");
        alarm(AlarmRequest.AlarmAction.ACTIVATE, 77, AlarmType.CORRUPT);
        try {
            assertEquals(2, alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.NONE).getAlarmsCount());
            assertEquals(List.of(corrupt), alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.CORRUPT).getAlarmsList());
            var status = maintenance().status(StatusRequest.getDefaultInstance());
            assertTrue(status.getErrorsList().contains("memberID:77 alarm:CORRUPT "), status.getErrorsList()::toString);
            StatusRuntimeException write = assertThrows(StatusRuntimeException.class, () -> KVGrpc
                    .newBlockingStub(member.channel()).put(PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("k")).build()));
            assertEquals(Status.Code.DATA_LOSS, write.getStatus().getCode(), "CORRUPT refuses writes first");
            assertEquals("etcdserver: corrupt cluster", write.getStatus().getDescription());
            assertEquals(List.of(), alarm(AlarmRequest.AlarmAction.DEACTIVATE, 0, AlarmType.NONE).getAlarmsList(),
                    "NONE names no alarm");
        } finally {
            alarm(AlarmRequest.AlarmAction.DEACTIVATE, 77, AlarmType.CORRUPT);
            alarm(AlarmRequest.AlarmAction.DEACTIVATE, self, AlarmType.NOSPACE);
        }
        assertEquals(0, alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.NONE).getAlarmsCount());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> maintenance().alarm(
                AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setAlarmValue(9).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, unknown.getStatus().getCode());
    }

    @Test
    void hashKVCoversTheHistoryUpToARevision() {
        var kv = KVGrpc.newBlockingStub(member.channel());
        long first = kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("h1"))
                .setValue(ByteString.copyFromUtf8("a")).build()).getHeader().getRevision();
        var atFirst = maintenance().hashKV(HashKVRequest.newBuilder().setRevision(first).build());
        long second = kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("h2"))
                .setValue(ByteString.copyFromUtf8("b")).build()).getHeader().getRevision();
        assertEquals(atFirst.getHash(), maintenance().hashKV(HashKVRequest.newBuilder().setRevision(first).build())
                .getHash(), "a later write does not change the hash at an earlier revision");
        var now = maintenance().hashKV(HashKVRequest.getDefaultInstance());
        assertEquals(second, now.getHeader().getRevision());
        assertNotEquals(atFirst.getHash(), now.getHash());
        assertEquals(now.getHash(), maintenance().hash(HashRequest.getDefaultInstance()).getHash());
        StatusRuntimeException future = assertThrows(StatusRuntimeException.class, () -> maintenance().hashKV(
                HashKVRequest.newBuilder().setRevision(second + 100).build()));
        assertEquals("etcdserver: mvcc: required revision is a future revision", future.getStatus().getDescription());
    }
}
