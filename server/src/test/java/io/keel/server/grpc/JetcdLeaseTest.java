package io.keel.server.grpc;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.keel.server.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static io.keel.server.grpc.JetcdCluster.await;
import static io.keel.server.grpc.JetcdCluster.bs;
import static io.keel.server.grpc.JetcdCluster.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jetcd's Lease client against a three-member Keel (issue #7): grant, a put attached to the lease, TimeToLive with
 * its keys, KeepAliveOnce and the keep-alive stream, revoke deleting the key, and expiry without keep-alives. The
 * client talks to a follower, as an etcd client may: etcd serves every lease RPC at any member.
 */
class JetcdLeaseTest {
    @TempDir
    Path dir;
    JetcdCluster cluster;

    @BeforeEach
    void startCluster() {
        cluster = JetcdCluster.start(dir);
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    void grantPutTimeToLiveKeepAliveOnceThenRevokeDeletesTheKey() {
        var client = cluster.client(cluster.aFollower());
        Lease lease = client.getLeaseClient();
        KV kv = client.getKVClient();

        LeaseGrantResponse granted = await(lease.grant(60));
        long id = granted.getID();
        assertNotEquals(0, id);
        assertEquals(60, granted.getTTL());

        await(kv.put(bs("leased/a"), bs("1"), PutOption.builder().withLeaseId(id).build()));
        await(kv.put(bs("unleased"), bs("2")));
        List<KeyValue> got = await(kv.get(bs("leased/a"))).getKvs();
        assertEquals(1, got.size());
        assertEquals(id, got.get(0).getLease());

        LeaseTimeToLiveResponse ttl = await(lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
        assertEquals(id, ttl.getID());
        assertEquals(60, ttl.getGrantedTTL());
        assertTrue(ttl.getTTL() > 0 && ttl.getTTL() <= 60, () -> "remaining TTL " + ttl.getTTL());
        assertEquals(List.of("leased/a"), ttl.getKeys().stream().map(JetcdCluster::str).toList());

        LeaseKeepAliveResponse once = await(lease.keepAliveOnce(id));
        assertEquals(id, once.getID());
        assertEquals(60, once.getTTL());

        long revokedAt = await(lease.revoke(id)).getHeader().getRevision();
        assertEquals(0, await(kv.get(bs("leased/a"))).getCount(), "revoking a lease deletes its keys");
        assertEquals("2", str(await(kv.get(bs("unleased"))).getKvs().get(0).getValue()), "other keys stay");
        assertTrue(revokedAt > got.get(0).getModRevision(), "the revoke's deletes are a write");

        // etcd answers TimeToLive for an unknown lease with TTL -1, and refuses revoking it again.
        assertEquals(-1, await(lease.timeToLive(id, LeaseOption.DEFAULT)).getTTL());
        RuntimeException again = assertThrows(RuntimeException.class, () -> await(lease.revoke(id)));
        Status status = Status.fromThrowable(again);
        assertEquals(Status.Code.NOT_FOUND, status.getCode(), again::toString);
        assertEquals("etcdserver: requested lease not found", status.getDescription());
        // A put naming an unknown lease is refused the same way and writes nothing.
        RuntimeException unknownLease = assertThrows(RuntimeException.class,
                () -> await(kv.put(bs("leased/b"), bs("x"), PutOption.builder().withLeaseId(id).build())));
        assertEquals(Status.Code.NOT_FOUND, Status.fromThrowable(unknownLease).getCode(), unknownLease::toString);
        assertEquals(0, await(kv.get(bs("leased/b"))).getCount());
    }

    @Test
    void keepAliveHoldsTheLeaseAndWithoutItTheLeaseExpiresWithItsKey() {
        var client = cluster.client(cluster.aFollower());
        Lease lease = client.getLeaseClient();
        KV kv = client.getKVClient();
        // Above etcd's minimum TTL for these election timeouts, and above a loaded machine's pause between two of
        // jetcd's keep-alives (one per TTL/3); short, as the test waits for it to expire.
        long ttl = 5;
        long id = await(lease.grant(ttl)).getID();
        await(kv.put(bs("session"), bs("alive"), PutOption.builder().withLeaseId(id).build()));

        AtomicInteger answers = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        try (CloseableClient keepAlive = lease.keepAlive(id, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                if (r.getID() == id && r.getTTL() > 0) answers.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
                errors.add(t);
            }

            @Override
            public void onCompleted() {
            }
        })) {
            // Kept alive through two TTLs after the grant, the lease and its key outlive what the TTL alone would
            // allow by a whole TTL.
            Poll.until("keep-alives answered for two TTLs", () -> errors.isEmpty() && answers.get() >= 3
                    && System.nanoTime() - start > 2 * ttl * 1_000_000_000L);
            assertTrue(errors.isEmpty(), errors::toString);
            assertEquals(1, await(kv.get(bs("session"))).getCount(), "a kept-alive lease keeps its key");
            assertTrue(await(lease.timeToLive(id, LeaseOption.DEFAULT)).getTTL() > 0);
        }

        // Without keep-alives the lease expires and its key is deleted (the leader revokes it).
        Poll.until("the lease expires and its key is deleted", () -> await(kv.get(bs("session"))).getCount() == 0);
        Poll.until("the expired lease is unknown", () -> await(lease.timeToLive(id, LeaseOption.DEFAULT)).getTTL() == -1);
    }
}
