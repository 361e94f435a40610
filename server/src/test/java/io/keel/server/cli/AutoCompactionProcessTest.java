package io.keel.server.cli;

import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.HashKVRequest;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.keel.server.cli.OfflineTools.etcdctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's --auto-compaction-mode periodic --auto-compaction-retention 2s on three processes: the leader
 * compacts the history by itself, every member applies it, and reads below the compacted revision get etcd's error.
 */
@ExtendWith(MemberOutputOnFailure.class)
class AutoCompactionProcessTest {
    private ProcessCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    void periodicAutoCompactionCompactsOnEveryMember(@TempDir Path dir) throws Exception {
        cluster = ProcessCluster.start(dir, "auto-compaction", new String[] {"m1", "m2", "m3"},
                "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "2s");
        MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(cluster.members);
        for (int i = 0; i < 10; i++) {
            assertEquals(0, etcdctl(dir, OfflineTools.endpoint(leader), "put", "k", "v" + i).exit());
        }
        for (MemberProcess m : cluster.members) {
            Poll.until(m.name + " applied an automatic compaction past revision 5", ProcessCluster.DEADLINE,
                    () -> compactRevision(m) > 5);
        }
        OfflineTools.Result old = etcdctl(dir, OfflineTools.endpoint(leader), "get", "k", "--rev=2");
        assertTrue(old.exit() != 0 && old.out().contains("required revision has been compacted"), old.toString());
    }

    private static long compactRevision(MemberProcess m) {
        try {
            return MaintenanceGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .hashKV(HashKVRequest.getDefaultInstance()).getCompactRevision();
        } catch (StatusRuntimeException e) {
            return -1;
        }
    }
}
