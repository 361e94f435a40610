package io.keel.server.grpc;

import io.grpc.Status;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.AlarmRequest;
import io.keel.server.etcd.proto.AlarmResponse;
import io.keel.server.etcd.proto.AlarmType;
import io.keel.storage.mvcc.api.AlarmMember;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Maintenance.Alarm over Keel's replicated alarms: GET lists the raised alarms of a type (NONE: all) as of a
 * linearizable read, ACTIVATE and DEACTIVATE go through Raft (the store's {@link io.keel.storage.mvcc.api.AlarmRequest})
 * and answer the alarm they changed. {@code etcdctl alarm disarm} lists the alarms, then deactivates each.
 */
final class AlarmAnswers {
    private AlarmAnswers() {
    }

    static CompletableFuture<AlarmResponse.Builder> answer(Keel keel, AlarmRequest request) {
        io.keel.storage.mvcc.api.AlarmType type = type(request.getAlarmValue());
        return switch (request.getAction()) {
            case GET -> CompletableFuture.supplyAsync(keel::alarms, Runnable::run)
                    .thenApply(all -> response(all.stream().filter(a -> type == null || a.type() == type).toList()));
            case ACTIVATE, DEACTIVATE -> {
                if (type == null) yield CompletableFuture.completedFuture(response(List.of())); // NONE: no alarm
                var action = request.getAction() == AlarmRequest.AlarmAction.ACTIVATE
                        ? io.keel.storage.mvcc.api.AlarmRequest.Action.ACTIVATE
                        : io.keel.storage.mvcc.api.AlarmRequest.Action.DEACTIVATE;
                yield keel.alarmAsync(new io.keel.storage.mvcc.api.AlarmRequest(action, request.getMemberID(), type))
                        .thenApply(AlarmAnswers::response);
            }
            case UNRECOGNIZED -> throw new EtcdStatus.Refused(Status.INVALID_ARGUMENT,
                    "unknown alarm action " + request.getActionValue());
        };
    }

    /** The store's alarm type for etcd's number; null for NONE. */
    private static io.keel.storage.mvcc.api.AlarmType type(int number) {
        if (number == AlarmType.NONE_VALUE) return null;
        io.keel.storage.mvcc.api.AlarmType t = io.keel.storage.mvcc.api.AlarmType.ofNumber(number);
        if (t == null) throw new EtcdStatus.Refused(Status.INVALID_ARGUMENT, "unknown alarm type " + number);
        return t;
    }

    private static AlarmResponse.Builder response(List<AlarmMember> alarms) {
        AlarmResponse.Builder b = AlarmResponse.newBuilder();
        for (AlarmMember a : alarms) {
            b.addAlarms(io.keel.server.etcd.proto.AlarmMember.newBuilder().setMemberID(a.memberId())
                    .setAlarmValue(a.type().number()));
        }
        return b;
    }

    /** An alarm as etcd's Status lists it among a member's errors (its gogo-proto text: "memberID:1 alarm:NOSPACE "). */
    static String statusText(AlarmMember a) {
        return "memberID:" + Long.toUnsignedString(a.memberId()) + " alarm:" + a.type().name() + " ";
    }
}
