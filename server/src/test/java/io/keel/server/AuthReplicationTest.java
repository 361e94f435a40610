package io.keel.server;

import io.keel.server.auth.AuthException;
import io.keel.server.auth.AuthState;
import io.keel.server.etcd.proto.auth.Permission;
import io.keel.server.proto.AuthEnableChange;
import io.keel.server.proto.AuthOp;
import io.keel.server.proto.RoleAddChange;
import io.keel.server.proto.RoleGrantPermissionChange;
import io.keel.server.proto.UserGrantRoleChange;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The auth state is replicated state: every member applies the same changes, keeps them in its store across a
 * restart, and a member that catches up from a store snapshot gets them with the data. Passwords are stored only as
 * bcrypt hashes, the same on every member.
 */
class AuthReplicationTest {
    private static final int WRITES = 120;

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new AssertionError(e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** root (root role), alice with readwrite on /a/, then authentication on; proposed at {@code at}. */
    private static void setUp(Keel at) {
        var auth = at.auth();
        join(auth.userAdd(null, "root", "rootpw", false));
        join(auth.userAdd(null, "alice", "alicepw", false));
        join(auth.change(null, AuthOp.newBuilder().setRoleAdd(RoleAddChange.newBuilder().setName("root"))));
        join(auth.change(null, AuthOp.newBuilder().setRoleAdd(RoleAddChange.newBuilder().setName("rw"))));
        join(auth.change(null, AuthOp.newBuilder().setRoleGrantPermission(RoleGrantPermissionChange.newBuilder()
                .setName("rw").setPerm(Permission.newBuilder().setPermType(Permission.Type.READWRITE)
                        .setKey(ByteString.copyFromUtf8("/a/")).setRangeEnd(ByteString.copyFromUtf8("/a0"))))));
        join(auth.change(null, AuthOp.newBuilder().setUserGrantRole(UserGrantRoleChange.newBuilder()
                .setUser("root").setRole("root"))));
        join(auth.change(null, AuthOp.newBuilder().setUserGrantRole(UserGrantRoleChange.newBuilder()
                .setUser("alice").setRole("rw"))));
        join(auth.change(null, AuthOp.newBuilder().setEnable(AuthEnableChange.getDefaultInstance())));
    }

    private static void assertSetUp(Keel k) {
        AuthState s = k.auth().state();
        assertTrue(s.enabled(), "member " + k.memberId());
        assertEquals(List.of("alice", "root"), s.userNames());
        assertEquals(List.of("root", "rw"), s.roleNames());
        byte[] hash = s.user("alice").getPassword().toByteArray();
        String text = new String(hash, StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("$2a$10$") && !text.contains("alicepw"), text); // a bcrypt hash, cost 10
        s.checkKeys("alice", bytes("/a/k"), new byte[0], Permission.Type.WRITE);
        assertThrows(AuthException.class,
                () -> s.checkKeys("alice", bytes("/b/k"), new byte[0], Permission.Type.READ));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyMemberHasTheSameAuthStateAcrossRestartsAndSnapshots(@TempDir Path dir) throws Exception {
        ExecutorService bcrypt = Executors.newSingleThreadExecutor();
        try (TestCluster cluster = new TestCluster(dir, 3) {
            @Override
            Keel.Builder builder(long id) {
                return super.builder(id).snapshotEntries(20); // compact often: the lagging member needs a snapshot
            }
        }) {
            cluster.startAll();
            Keel leader = cluster.awaitLeader();
            long lagging = cluster.running().stream().filter(k -> !k.isLeader()).findFirst().orElseThrow()
                    .memberId();
            cluster.put("before", "1");
            Poll.until("the lagging member has the first write",
                    () -> cluster.members[(int) lagging - 1].get("before", true).isPresent());
            cluster.stop(lagging);

            setUp(leader);
            for (int i = 0; i < WRITES; i++) cluster.put("k" + i, "v" + i); // the log is compacted past setUp

            Keel back = cluster.start(lagging);
            // The store is swapped in a moment before the auth state is reloaded from it: wait for both.
            Poll.until("the member that was down catches up", Duration.ofSeconds(60),
                    () -> back.get("k" + (WRITES - 1), true).isPresent() && back.auth().state().enabled());
            for (Keel k : cluster.running()) assertSetUp(k);
            byte[] hash = leader.auth().state().user("alice").getPassword().toByteArray();
            for (Keel k : cluster.running()) {
                assertEquals(new String(hash, StandardCharsets.US_ASCII),
                        k.auth().state().user("alice").getPassword().toStringUtf8(), "the same hash everywhere");
            }

            // A token issued at one member names its user at every member once they applied its entry.
            String token = join(back.auth().authenticate("alice", "alicepw", bcrypt));
            for (Keel k : cluster.running()) {
                Poll.until("member " + k.memberId() + " knows the token", () -> {
                    try {
                        return "alice".equals(k.auth().userOfToken(token));
                    } catch (AuthException e) {
                        return false;
                    }
                });
            }
            AuthException wrong = assertThrows(AuthException.class,
                    () -> join(leader.auth().authenticate("alice", "wrong", bcrypt)));
            assertEquals("etcdserver: authentication failed, invalid user ID or password", wrong.getMessage());

            // A restart of every member: the state comes back from each store; simple tokens do not (as in etcd).
            for (long id = 1; id <= 3; id++) cluster.stop(id);
            for (long id = 1; id <= 3; id++) cluster.start(id);
            cluster.awaitLeader();
            for (Keel k : cluster.running()) {
                assertSetUp(k);
                assertThrows(AuthException.class, () -> k.auth().userOfToken(token));
            }
            String again = join(cluster.members[0].auth().authenticate("alice", "alicepw", bcrypt));
            assertNotNull(again);
        } finally {
            bcrypt.shutdownNow();
        }
    }
}
