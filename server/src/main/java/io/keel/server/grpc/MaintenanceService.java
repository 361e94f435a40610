package io.keel.server.grpc;

import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.MoveLeaderRequest;
import io.keel.server.etcd.proto.MoveLeaderResponse;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import io.keel.server.membership.MemberInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * etcd's Maintenance service: Status, and MoveLeader (sent to the leader; answered once the transferee leads, as
 * etcd answers it); the other methods answer UNIMPLEMENTED.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    /** The etcd API version Keel speaks (etcdctl prints it). */
    static final String API_VERSION = "3.4.0";

    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final Executor answers;

    /** @param answers where a MoveLeader is answered (it completes on the raft thread, which must not build it) */
    MaintenanceService(Keel keel, EtcdGrpcServer.Headers headers, Executor answers) {
        this.keel = keel;
        this.headers = headers;
        this.answers = answers;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            var state = keel.state();
            long applied = keel.appliedIndex();
            long dbSize = storeBytes(keel.dataDir().resolve("store"));
            StatusResponse.Builder b = StatusResponse.newBuilder()
                    .setHeader(headers.now())
                    .setVersion(API_VERSION)
                    .setDbSize(dbSize)
                    .setDbSizeInUse(dbSize)
                    .setLeader(state.leaderId())
                    // As etcd: raft_index is the commit index this member knows, raft_applied_index its store's.
                    // The cluster page and `keel status` show the gap between them.
                    .setRaftIndex(Math.max(keel.commitIndex(), applied))
                    .setRaftAppliedIndex(applied)
                    .setRaftTerm(state.term())
                    .setIsLearner(isLearner());
            // etcd lists "no leader" among a member's errors; Keel raises no alarms (no NOSPACE quota) to add.
            if (state.leaderId() == 0) b.addErrors("etcdserver: no leader");
            return b.build();
        });
    }

    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
        EtcdGrpcServer.answerAsync(keel, observer, answers,
                () -> keel.transferLeadershipAsync(request.getTargetID()),
                done -> MoveLeaderResponse.newBuilder().setHeader(headers.now()).build());
    }

    /** Whether this member is a learner in its own directory (not in it yet, or removed: not one). */
    private boolean isLearner() {
        MemberInfo self = keel.membership().self();
        return self != null && self.learner();
    }

    /** The size of the store's files (RocksDB's directory), as etcd reports its bbolt file's size. */
    private static long storeBytes(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.mapToLong(p -> {
                try {
                    return Files.isRegularFile(p) ? Files.size(p) : 0;
                } catch (NoSuchFileException e) {
                    return 0; // RocksDB removed it meanwhile
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
