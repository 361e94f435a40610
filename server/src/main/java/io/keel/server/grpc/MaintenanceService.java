package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.keel.server.backup.BackupFile;
import io.keel.server.etcd.proto.SnapshotRequest;
import io.keel.server.etcd.proto.SnapshotResponse;
import io.keel.storage.mvcc.snapshot.SnapshotExport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.AlarmRequest;
import io.keel.server.etcd.proto.AlarmResponse;
import io.keel.server.etcd.proto.DefragmentRequest;
import io.keel.server.etcd.proto.DefragmentResponse;
import io.keel.server.etcd.proto.HashKVRequest;
import io.keel.server.etcd.proto.HashKVResponse;
import io.keel.server.etcd.proto.HashRequest;
import io.keel.server.etcd.proto.HashResponse;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.MoveLeaderRequest;
import io.keel.server.etcd.proto.MoveLeaderResponse;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;
import io.keel.server.membership.MemberInfo;

import java.io.IOException;
import java.io.InputStream;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * etcd's Maintenance service: Status, MoveLeader (sent to the leader; answered once the transferee leads, as
 * etcd answers it), Snapshot (a backup of this member's store, {@link BackupFile}), Alarm ({@link AlarmAnswers}),
 * Defragment, Hash and HashKV.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);
    /** Blob size per SnapshotResponse (etcd sends 32 KiB). */
    private static final int BLOB_BYTES = 64 * 1024;
    private static final AtomicLong BACKUPS = new AtomicLong();

    /** The etcd API version Keel speaks (etcdctl prints it). */
    static final String API_VERSION = "3.4.0";

    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final Executor answers;

    /** @param answers where a MoveLeader is answered (it completes on the raft thread, which must not build it) */
    private final AuthGuard guard;

    MaintenanceService(Keel keel, EtcdGrpcServer.Headers headers, Executor answers, AuthGuard guard) {
        this.guard = guard;
        this.keel = keel;
        this.headers = headers;
        this.answers = answers;
        // Checkpoints a stream left behind when the process died mid-backup: none is in flight before the API serves.
        deleteQuietly(keel.dataDir().resolve("backups"));
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            var state = keel.state();
            long applied = keel.appliedIndex();
            // RocksDB's live SST files and memtables: what the quota is checked against (see MvccStore.spaceUsed).
            long dbSize = keel.spaceUsed();
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
            // etcd lists "no leader" and every raised alarm among a member's errors.
            if (state.leaderId() == 0) b.addErrors("etcdserver: no leader");
            for (var alarm : keel.appliedAlarms()) b.addErrors(AlarmAnswers.statusText(alarm));
            return b.build();
        });
    }

    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
        EtcdGrpcServer.answerAsync(keel, observer, answers, () -> AlarmAnswers.answer(keel, request),
                b -> b.setHeader(headers.now()).build());
    }

    /** Compacts this member's store files, as etcd defragments its bbolt file; blocks until done, as etcd's. */
    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            guard.admin(); // etcd: defragmenting is for the root role only, while authentication is on
            long before = keel.spaceUsed();
            long start = System.nanoTime();
            keel.defragment();
            LOG.info("defragmented the store: {} bytes before, {} after, in {} ms", before, keel.spaceUsed(),
                    (System.nanoTime() - start) / 1_000_000);
            return DefragmentResponse.newBuilder().setHeader(headers.now()).build();
        });
    }

    /** etcd's HashKV: this member's keys, values and revisions up to a revision (0: the current one). */
    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            var h = keel.hashKV(request.getRevision());
            return HashKVResponse.newBuilder().setHeader(headers.at(h.revision())).setHash(h.hash())
                    .setCompactRevision(h.compactRevision()).build();
        });
    }

    /**
     * etcd's Hash (of its whole backend): here the same keyspace hash as HashKV at the current revision, since that
     * is what members must agree on; RocksDB's files differ from member to member by design.
     */
    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            var h = keel.hashKV(0);
            return HashResponse.newBuilder().setHeader(headers.at(h.revision())).setHash(h.hash()).build();
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

    /**
     * Streams a consistent copy of this member's store at its applied index (the first header's revision is the
     * copy's), without stopping writes: a RocksDB checkpoint (hard links) taken between two applies, read one chunk
     * at a time as the client takes it (gRPC flow control), so neither the store nor the copy is ever held in
     * memory. The file ends with etcd's SHA-256 trailer. The checkpoint is deleted when the stream ends.
     */
    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
        ServerCallStreamObserver<SnapshotResponse> call = (ServerCallStreamObserver<SnapshotResponse>) observer;
        Path dir = keel.dataDir().resolve("backups").resolve("backup-" + ProcessHandle.current().pid() + "-"
                + BACKUPS.incrementAndGet());
        SnapshotExport export;
        try {
            guard.admin(); // etcd: a backup is for the root role only, while authentication is on
            deleteRecursively(dir);
            export = keel.exportBackup(dir);
        } catch (RuntimeException | IOException e) {
            deleteQuietly(dir);
            observer.onError(EtcdStatus.of(e, keel.leaderId()));
            return;
        }
        var header = headers.at(export.manifest().revision());
        Object ready = new Object();
        boolean[] cancelled = new boolean[1];
        call.setOnReadyHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        call.setOnCancelHandler(() -> {
            synchronized (ready) {
                cancelled[0] = true;
                ready.notifyAll();
            }
        });
        LOG.info("sending a snapshot at applied index {}, revision {} to a client", export.manifest().appliedIndex(),
                export.manifest().revision());
        // gRPC runs a call's callbacks one at a time: waiting for onReady inside this handler would wait forever.
        Thread sender = new Thread(() -> {
            try (InputStream in = BackupFile.stream(export, keel.clusterId(), keel.memberId(),
                    System.currentTimeMillis())) {
                long remaining = BackupFile.size(export);
                byte[] buf = new byte[BLOB_BYTES];
                while (remaining > 0) {
                    int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, remaining));
                    if (n <= 0) throw new IOException("the snapshot stream ended " + remaining + " bytes early");
                    remaining -= n;
                    synchronized (ready) {
                        while (!call.isReady() && !cancelled[0]) ready.wait(1000);
                        if (cancelled[0]) {
                            LOG.info("a client cancelled its snapshot");
                            return;
                        }
                    }
                    call.onNext(SnapshotResponse.newBuilder().setHeader(header).setRemainingBytes(remaining)
                            .setBlob(ByteString.copyFrom(buf, 0, n)).build());
                }
                call.onCompleted();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                call.onError(Status.CANCELLED.withDescription("etcdserver: server stopped").asRuntimeException());
            } catch (IOException | RuntimeException e) {
                LOG.warn("a snapshot to a client failed: {}", e.toString());
                try {
                    call.onError(Status.INTERNAL.withDescription("snapshot failed: " + e.getMessage())
                            .asRuntimeException());
                } catch (RuntimeException ignored) {
                    // the call is already closed
                }
            } finally {
                deleteQuietly(dir);
            }
        }, "keel-snapshot-client-" + Long.toHexString(keel.memberId()));
        sender.setDaemon(true);
        sender.start();
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(q);
        }
    }
}
