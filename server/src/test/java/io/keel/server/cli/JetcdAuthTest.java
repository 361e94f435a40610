package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.keel.server.etcd.proto.AuthGrpc;
import io.keel.server.etcd.proto.AuthUserAddRequest;
import io.keel.server.etcd.proto.AuthUserDeleteRequest;
import io.keel.server.etcd.proto.AuthenticateRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Authentication with jetcd 0.8.5 (the official Java client) and raw gRPC against three launcher processes:
 * credentials at any member, permission checks on KV, Txn, Watch, Lease and Maintenance, and bad input (forged and
 * stale tokens, empty and huge names) answered with etcd's errors while the members keep serving.
 */
@ExtendWith(MemberOutputOnFailure.class)
class JetcdAuthTest {
    private static final long SECONDS = 60;
    private final List<Client> clients = new ArrayList<>();

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) throw x;
            throw new AssertionError(e.getCause());
        }
    }

    /** The text of a refusal: every message down the cause chain. */
    private static String refusal(Supplier<CompletableFuture<?>> call) {
        try {
            await(call.get());
        } catch (Exception e) {
            StringBuilder b = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) b.append(t.getMessage()).append(" | ");
            return b.toString();
        }
        return fail("expected a refusal");
    }

    private Client client(ProcessCluster c, MemberProcess m, String user, String password) {
        var b = Client.builder().endpoints("http://127.0.0.1:" + m.clientPort);
        if (user != null) b.user(bs(user)).password(bs(password));
        Client client = b.build();
        clients.add(client);
        return client;
    }

    @Test
    void credentialsAndPermissionsAtEveryMember(@TempDir Path dir) throws Exception {
        try (ProcessCluster c = ProcessCluster.start(dir, "jetcd-auth", "j1", "j2", "j3")) {
            MemberProcess leader = ProcessCluster.awaitLeaderKnownToAll(c.members);
            MemberProcess follower = c.others(leader).get(0);
            try {
                Client admin = client(c, leader, null, null);
                var auth = admin.getAuthClient();
                await(auth.userAdd(bs("root"), bs("rootpw")));
                await(auth.roleAdd(bs("root")));
                await(auth.userGrantRole(bs("root"), bs("root")));
                await(auth.userAdd(bs("alice"), bs("alicepw")));
                await(auth.roleAdd(bs("app")));
                await(auth.roleGrantPermission(bs("app"), bs("/app/"), bs("/app0"), Permission.Type.READWRITE));
                await(auth.userGrantRole(bs("alice"), bs("app")));
                await(auth.authEnable());

                Client root = client(c, follower, "root", "rootpw");
                Client alice = client(c, follower, "alice", "alicepw");
                // KV: inside the granted range, and outside it.
                await(alice.getKVClient().put(bs("/app/a"), bs("1")));
                assertEquals("1", await(alice.getKVClient().get(bs("/app/a"))).getKvs().get(0).getValue()
                        .toString(StandardCharsets.UTF_8));
                assertTrue(refusal(() -> alice.getKVClient().put(bs("/other"), bs("x")))
                        .contains("etcdserver: permission denied"));
                assertTrue(refusal(() -> admin.getKVClient().get(bs("/app/a")))
                        .contains("etcdserver: user name is empty"));
                // Txn: every branch is checked, the one that would not run too.
                assertTrue(refusal(() -> alice.getKVClient().txn()
                        .If(new Cmp(bs("/app/a"), Cmp.Op.EQUAL, CmpTarget.value(bs("1"))))
                        .Then(Op.put(bs("/app/b"), bs("2"), PutOption.DEFAULT))
                        .Else(Op.put(bs("/other"), bs("3"), PutOption.DEFAULT)).commit())
                        .contains("etcdserver: permission denied"));
                assertTrue(await(alice.getKVClient().txn()
                        .If(new Cmp(bs("/app/a"), Cmp.Op.EQUAL, CmpTarget.value(bs("1"))))
                        .Then(Op.put(bs("/app/b"), bs("2"), PutOption.DEFAULT)).commit()).isSucceeded());

                // Watch: refused at creation outside the range, events inside it.
                Events denied = new Events();
                alice.getWatchClient().watch(bs("/other"), WatchOption.DEFAULT, denied);
                Throwable why = denied.errors.poll(SECONDS, TimeUnit.SECONDS);
                assertNotNull(why, "a watch outside the granted range is refused");
                assertTrue(String.valueOf(why.getMessage()).contains("etcdserver: permission denied"), why::toString);
                Events allowed = new Events();
                try (Watch.Watcher w = alice.getWatchClient().watch(bs("/app/"),
                        WatchOption.builder().isPrefix(true).withCreateNotify(true).build(), allowed)) {
                    assertNotNull(allowed.created.poll(SECONDS, TimeUnit.SECONDS),
                            "the watch on the granted range is created; errors: " + allowed.errors);
                    await(root.getKVClient().put(bs("/app/w"), bs("seen")));
                    WatchResponse r = allowed.responses.poll(SECONDS, TimeUnit.SECONDS);
                    assertNotNull(r, "an event on the granted range; errors: " + allowed.errors);
                    assertEquals("/app/w", r.getEvents().get(0).getKeyValue().getKey().toString(StandardCharsets.UTF_8));
                }

                // Lease: revoking deletes the attached keys, so it needs write permission on each of them.
                long lease = await(root.getLeaseClient().grant(60)).getID();
                await(root.getKVClient().put(bs("/other/leased"), bs("x"),
                        PutOption.builder().withLeaseId(lease).build()));
                assertTrue(refusal(() -> alice.getLeaseClient().revoke(lease))
                        .contains("etcdserver: permission denied"));
                assertTrue(refusal(() -> alice.getKVClient().put(bs("/app/leased"), bs("y"),
                        PutOption.builder().withLeaseId(lease).build())).contains("etcdserver: permission denied"));
                await(root.getLeaseClient().revoke(lease));

                // Maintenance: a backup is for the root role.
                assertTrue(refusal(() -> alice.getMaintenanceClient().snapshot(new ByteArrayOutputStream()))
                        .contains("etcdserver: permission denied"));
                assertTrue(await(root.getMaintenanceClient().snapshot(new ByteArrayOutputStream())) > 0);

                // A revoked role and a new password take effect on the next request, tokens issued before included.
                Client aliceAtLeader = client(c, leader, "alice", "alicepw");
                await(aliceAtLeader.getKVClient().get(bs("/app/a")));
                await(root.getAuthClient().userRevokeRole(bs("alice"), bs("app")));
                assertTrue(refusal(() -> aliceAtLeader.getKVClient().get(bs("/app/a")))
                        .contains("etcdserver: permission denied"));
                await(root.getAuthClient().userGrantRole(bs("alice"), bs("app")));
                await(aliceAtLeader.getKVClient().get(bs("/app/a")));
                await(root.getAuthClient().userChangePassword(bs("alice"), bs("newpw")));
                assertTrue(refusal(() -> aliceAtLeader.getKVClient().get(bs("/app/a")))
                        .contains("etcdserver: authentication failed, invalid user ID or password"));
                Client aliceNew = client(c, c.others(leader).get(1), "alice", "newpw");
                await(aliceNew.getKVClient().get(bs("/app/a")));
            } finally {
                for (Client client : clients) client.close();
            }
        }
    }

    private static final class Events implements Watch.Listener {
        final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
        final BlockingQueue<WatchResponse> created = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

        @Override
        public void onNext(WatchResponse response) {
            if (response.isCreatedNotify()) created.add(response);
            if (!response.getEvents().isEmpty()) responses.add(response);
        }

        @Override
        public void onError(Throwable t) {
            errors.add(t);
        }

        @Override
        public void onCompleted() {
        }
    }

    private static String statusOf(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
        return fail("expected a refusal");
    }

    @Test
    void forgedStaleAndHugeInputGetEtcdsErrors(@TempDir Path dir) throws Exception {
        try (ProcessCluster c = ProcessCluster.start(dir, "bad-auth", "b1")) {
            MemberProcess m = c.members.get(0);
            var auth = AuthGrpc.newBlockingStub(m.channel).withDeadlineAfter(SECONDS, TimeUnit.SECONDS);
            var kv = KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(SECONDS, TimeUnit.SECONDS);
            auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
            auth.roleAdd(io.keel.server.etcd.proto.AuthRoleAddRequest.newBuilder().setName("root").build());
            auth.userGrantRole(io.keel.server.etcd.proto.AuthUserGrantRoleRequest.newBuilder().setUser("root")
                    .setRole("root").build());
            auth.userAdd(AuthUserAddRequest.newBuilder().setName("bob").setPassword("bobpw").build());
            assertEquals("INVALID_ARGUMENT etcdserver: user name is empty", statusOf(() ->
                    auth.userAdd(AuthUserAddRequest.newBuilder().setName("").setPassword("x").build())));
            assertEquals("INVALID_ARGUMENT etcdserver: request is too large", statusOf(() ->
                    auth.userAdd(AuthUserAddRequest.newBuilder().setName("n".repeat(1600 * 1024))
                            .setPassword("x").build())));
            // Beyond the request limit and gRPC's margin over it, gRPC itself refuses the message, as at etcd.
            assertTrue(statusOf(() -> auth.roleAdd(io.keel.server.etcd.proto.AuthRoleAddRequest.newBuilder()
                    .setName("r".repeat(3 * 1024 * 1024)).build())).startsWith("RESOURCE_EXHAUSTED"));
            assertEquals("FAILED_PRECONDITION etcdserver: authentication is not enabled", statusOf(() ->
                    auth.authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw")
                            .build())));
            auth.authEnable(io.keel.server.etcd.proto.AuthEnableRequest.getDefaultInstance());

            String rootToken = auth.authenticate(AuthenticateRequest.newBuilder().setName("root")
                    .setPassword("rootpw").build()).getToken();
            String bobToken = auth.authenticate(AuthenticateRequest.newBuilder().setName("bob")
                    .setPassword("bobpw").build()).getToken();
            assertEquals("INVALID_ARGUMENT etcdserver: authentication failed, invalid user ID or password",
                    statusOf(() -> auth.authenticate(AuthenticateRequest.newBuilder().setName("bob")
                            .setPassword("p".repeat(100_000)).build())));

            RangeRequest get = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build();
            for (String forged : List.of("forged", bobToken + "x", "abcdefghijklmnop.1", "", rootToken.replace('.', ','))) {
                assertEquals("UNAUTHENTICATED etcdserver: invalid auth token",
                        statusOf(() -> withToken(kv, forged).range(get)), forged);
            }
            assertEquals("PERMISSION_DENIED etcdserver: permission denied",
                    statusOf(() -> withToken(kv, bobToken).range(get)));
            // A watch stream with a forged token is not ended: its watch is refused with etcd's reason.
            var responses = new LinkedBlockingQueue<io.keel.server.etcd.proto.WatchResponse>();
            var requests = withToken(io.keel.server.etcd.proto.WatchGrpc.newStub(m.channel), "forged").watch(
                    new io.grpc.stub.StreamObserver<>() {
                        @Override
                        public void onNext(io.keel.server.etcd.proto.WatchResponse r) {
                            responses.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            requests.onNext(io.keel.server.etcd.proto.WatchRequest.newBuilder().setCreateRequest(
                    io.keel.server.etcd.proto.WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")))
                    .build());
            var refused = responses.poll(SECONDS, TimeUnit.SECONDS);
            assertNotNull(refused, "an answer to the watch request");
            assertTrue(refused.getCreated() && refused.getCanceled(), refused::toString);
            assertEquals(-1, refused.getWatchId());
            assertEquals("etcdserver: invalid auth token", refused.getCancelReason());
            requests.onCompleted();
            withToken(auth, rootToken).userDelete(AuthUserDeleteRequest.newBuilder().setName("bob").build());
            assertEquals("UNAUTHENTICATED etcdserver: invalid auth token",
                    statusOf(() -> withToken(kv, bobToken).range(get)), "the token of a deleted user");
            assertEquals("FAILED_PRECONDITION etcdserver: user name not found", statusOf(() ->
                    withToken(auth, rootToken).userGrantRole(io.keel.server.etcd.proto.AuthUserGrantRoleRequest
                            .newBuilder().setUser("bob").setRole("root").build())));

            // Still serving, and nothing of the store was revealed or changed by any of it.
            withToken(kv, rootToken).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                    .setValue(ByteString.copyFromUtf8("v")).build());
            assertEquals(1, withToken(kv, rootToken).range(get).getCount());
        }
    }

    private static <S extends io.grpc.stub.AbstractStub<S>> S withToken(S stub, String token) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }
}
