package io.keel.server;

import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseGrantResponse;
import io.keel.storage.mvcc.api.LeaseExpireResponse;
import io.keel.storage.mvcc.api.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An expiry is proposed only by a leader that holds its leader lease at that moment. A one-member leader whose
 * Raft thread was paused longer than its lease still believes it leads when it resumes (no tick has run yet), and
 * a plain proposal would be accepted there; the expiry is refused.
 */
class ExpiryLeaderLeaseGuardTest {

    @Test
    void aLeaderWhoseLeaseLapsedDuringAPauseDoesNotProposeAnExpiry(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 1)) {
            cluster.startAll();
            Keel keel = cluster.awaitLeader();
            long id = ((LeaseGrantResponse) Poll.retrying("grant",
                    () -> keel.write(new LeaseGrantRequest(0, 60)))).id();
            LeaseExpireRequest expire = new LeaseExpireRequest(id, keel.appliedIndex());

            // The injected fault: the raft thread stops for 2 s, longer than the lease (under 800 ms here).
            long pause = Duration.ofSeconds(2).toNanos();
            keel.member().runOnRaftThreadForTest(() -> {
                long end = System.nanoTime() + pause;
                while (System.nanoTime() - end < 0) LockSupport.parkNanos(end - System.nanoTime());
            });
            // Queued behind the pause: both run before the node's next tick.
            CompletableFuture<Response> guarded = keel.member().proposeWithLeaderLease(expire);
            CompletableFuture<Response> plain = keel.writeAsync(new LeaseGrantRequest(0, 60));

            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> guarded.get(30, TimeUnit.SECONDS));
            assertInstanceOf(NotLeaderException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().contains("leader lease"), refused.getCause().getMessage());
            assertInstanceOf(LeaseGrantResponse.class, plain.get(30, TimeUnit.SECONDS),
                    "the same member still took an ordinary proposal: only the lease refused the expiry");
            assertTrue(keel.timeToLive(id, false).isPresent(), "the lease was not revoked");

            // Holding its lease again, the same proposal goes through.
            Response later = Poll.retrying("expiry with the lease held", () -> {
                try {
                    return keel.member().proposeWithLeaderLease(expire).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof KeelException k) throw k;
                    throw new AssertionError(e);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertTrue(((LeaseExpireResponse) later).revoked());
        }
    }
}
