package io.keel.server.grpc;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.lock.LockResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd's Election and Lock services, driven by jetcd's Election and Lock clients (which need the server side). */
class ElectionLockServiceTest {
    @TempDir
    static Path dir;
    private static GrpcTestMember member;
    private static Client client;

    @BeforeAll
    static void start() {
        member = GrpcTestMember.startLeader(dir);
        client = Client.builder().endpoints("http://127.0.0.1:" + member.server.port()).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        member.close();
    }

    @Test
    void theFirstCampaignerLeadsTheSecondWaitsUntilTheFirstResigns() throws Exception {
        Election election = client.getElectionClient();
        ByteSequence name = bytes("/who-is-master");
        long lease1 = client.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
        long lease2 = client.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();

        assertInstanceOf(NoLeaderException.class, assertThrows(ExecutionException.class,
                () -> election.leader(name).get(30, TimeUnit.SECONDS)).getCause());

        List<String> observed = new CopyOnWriteArrayList<>();
        election.observe(name, new Election.Listener() {
            @Override
            public void onNext(LeaderResponse r) {
                observed.add(r.getKv().getValue().toString(StandardCharsets.UTF_8));
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });

        CampaignResponse first = election.campaign(name, lease1, bytes("m1")).get(30, TimeUnit.SECONDS);
        CompletableFuture<CampaignResponse> second = election.campaign(name, lease2, bytes("m2"));
        assertEquals("m1", election.leader(name).get(30, TimeUnit.SECONDS).getKv().getValue()
                .toString(StandardCharsets.UTF_8));
        election.proclaim(first.getLeader(), bytes("m1-again")).get(30, TimeUnit.SECONDS);
        assertFalse(second.isDone(), "the second campaigner waits while the first leads");

        election.resign(first.getLeader()).get(30, TimeUnit.SECONDS);
        CampaignResponse won = second.get(30, TimeUnit.SECONDS);
        assertEquals("m2", election.leader(name).get(30, TimeUnit.SECONDS).getKv().getValue()
                .toString(StandardCharsets.UTF_8));
        // The old leader's key is gone: proclaiming with it is refused with etcd's error.
        assertInstanceOf(NotLeaderException.class, assertThrows(ExecutionException.class,
                () -> election.proclaim(first.getLeader(), bytes("stale")).get(30, TimeUnit.SECONDS)).getCause());
        election.resign(won.getLeader()).get(30, TimeUnit.SECONDS);

        io.keel.server.Poll.until("the observer saw every proclamation in order", () ->
                observed.equals(List.of("m1", "m1-again", "m2")));
    }

    @Test
    void aLockIsHeldByOneOwnerAtATime() throws Exception {
        long lease1 = client.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
        long lease2 = client.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
        ByteSequence name = bytes("/config-lock");
        LockResponse held = client.getLockClient().lock(name, lease1).get(30, TimeUnit.SECONDS);
        assertTrue(held.getKey().toString(StandardCharsets.UTF_8).startsWith("/config-lock/"), held.getKey()::toString);
        CompletableFuture<LockResponse> next = client.getLockClient().lock(name, lease2);
        assertFalse(next.isDone(), "the second locker waits");
        client.getLockClient().unlock(held.getKey()).get(30, TimeUnit.SECONDS);
        LockResponse second = next.get(30, TimeUnit.SECONDS);
        assertTrue(second.getKey().toString(StandardCharsets.UTF_8).endsWith(Long.toHexString(lease2)));
        // A lock whose owner's lease ends is free again.
        client.getLeaseClient().revoke(lease2).get(30, TimeUnit.SECONDS);
        long lease3 = client.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
        client.getLockClient().lock(name, lease3).get(30, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
