package io.keel.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.storage.mvcc.api.AlarmMember;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.EtcdError;

/**
 * A member the CORRUPT alarm names stops serving clients: every call but Maintenance's (Status, Alarm, Hash, HashKV,
 * Defragment, Snapshot: what an operator needs to look at it and disarm it) is refused with etcd's
 * {@code etcdserver: corrupt cluster} (DATA_LOSS), so no client reads its diverged data. It keeps taking part in Raft.
 *
 * <p>The applied alarms are looked at no more than every {@value #RECHECK_MS} ms (they sit behind the store's
 * lock, and every call of every client passes here): a member starts refusing within that long of applying the alarm.
 */
final class CorruptMemberGuard implements ServerInterceptor {
    private final Keel keel;
    private static final long RECHECK_MS = 50;

    private final AlarmMember corrupt;
    private volatile boolean isCorrupt;
    private volatile long checkedAtNanos = System.nanoTime() - RECHECK_MS * 2_000_000;

    CorruptMemberGuard(Keel keel) {
        this.keel = keel;
        this.corrupt = new AlarmMember(keel.memberId(), AlarmType.CORRUPT);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        if (!MaintenanceGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName()) && isCorrupt()) {
            call.close(Status.DATA_LOSS.withDescription(EtcdError.CORRUPT.message()), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }

    private boolean isCorrupt() {
        long now = System.nanoTime();
        if (now - checkedAtNanos < RECHECK_MS * 1_000_000) return isCorrupt;
        try {
            isCorrupt = keel.appliedAlarms().contains(corrupt);
        } catch (RuntimeException stopped) {
            isCorrupt = false; // the member is stopping: the call itself gets etcd's answer for that
        }
        checkedAtNanos = now;
        return isCorrupt;
    }
}
