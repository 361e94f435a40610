package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.keel.server.etcd.proto.AuthEnableRequest;
import io.keel.server.etcd.proto.AuthGrpc;
import io.keel.server.etcd.proto.AuthRoleAddRequest;
import io.keel.server.etcd.proto.AuthRoleGrantPermissionRequest;
import io.keel.server.etcd.proto.AuthUserAddRequest;
import io.keel.server.etcd.proto.AuthUserGrantRoleRequest;
import io.keel.server.etcd.proto.AuthenticateRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.auth.Permission;
import io.keel.server.grpc.Etcdctl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code --auth-token jwt,...} on launcher processes: a token signed at one member is accepted at another (no state
 * is shared), a tampered one is not, and one issued before an auth change is refused as old; bad keys stop the
 * launcher with a reason.
 */
@ExtendWith(MemberOutputOnFailure.class)
class JwtAuthTest {
    private static void pem(Path file, String type, byte[] der) throws Exception {
        Files.writeString(file, "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n");
    }

    private static String statusOf(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
        return fail("expected a refusal");
    }

    private static <S extends io.grpc.stub.AbstractStub<S>> S withToken(S stub, String token) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }

    @Test
    void signedTokensWorkAtEveryMemberUntilTheAuthStateChanges(@TempDir Path dir) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        Path pub = dir.resolve("jwt.pub.pem");
        Path priv = dir.resolve("jwt.key.pem");
        pem(pub, "PUBLIC KEY", pair.getPublic().getEncoded());
        pem(priv, "PRIVATE KEY", pair.getPrivate().getEncoded());
        String flag = "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256";

        try (ProcessCluster c = ProcessCluster.start(dir, "jwt-auth", List.of("--auth-token", flag), "w1", "w2")) {
            MemberProcess one = c.members.get(0);
            MemberProcess two = c.members.get(1);
            var auth = AuthGrpc.newBlockingStub(one.channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
            auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
            auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            auth.userAdd(AuthUserAddRequest.newBuilder().setName("alice").setPassword("alicepw").build());
            auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("app").build());
            auth.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("app")
                    .setPerm(Permission.newBuilder().setPermType(Permission.Type.READWRITE)
                            .setKey(ByteString.copyFromUtf8("/app/")).setRangeEnd(ByteString.copyFromUtf8("/app0")))
                    .build());
            auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("alice").setRole("app").build());
            auth.authEnable(AuthEnableRequest.getDefaultInstance());

            String token = auth.authenticate(AuthenticateRequest.newBuilder().setName("alice")
                    .setPassword("alicepw").build()).getToken();
            String[] parts = token.split("\\.");
            assertEquals(3, parts.length, token);
            String payload = new String(Base64.getUrlDecoder().decode(parts[1]));
            assertTrue(payload.contains("\"username\":\"alice\"") && payload.contains("\"revision\":")
                    && payload.contains("\"exp\":"), payload);

            PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/app/k"))
                    .setValue(ByteString.copyFromUtf8("v")).build();
            var kvTwo = KVGrpc.newBlockingStub(two.channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            withToken(kvTwo, token).put(put); // signed at w1, accepted at w2

            String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                    payload.replace("alice", "root").getBytes()) + "." + parts[2];
            assertEquals("UNAUTHENTICATED etcdserver: invalid auth token",
                    statusOf(() -> withToken(kvTwo, forged).put(put)));

            String rootToken = auth.authenticate(AuthenticateRequest.newBuilder().setName("root")
                    .setPassword("rootpw").build()).getToken();
            withToken(auth, rootToken).userAdd(AuthUserAddRequest.newBuilder().setName("carol").setPassword("c")
                    .build());
            io.keel.server.Poll.until("w2 applied the new user", () -> {
                try {
                    withToken(kvTwo, token).put(put);
                    return false;
                } catch (StatusRuntimeException e) {
                    return "etcdserver: revision of auth store is old".equals(e.getStatus().getDescription());
                }
            });
            assertEquals("INVALID_ARGUMENT etcdserver: revision of auth store is old",
                    statusOf(() -> withToken(kvTwo, token).put(put)));

            // etcdctl authenticates with every command: it gets a fresh JWT and works at either member.
            Etcdctl ctl = new Etcdctl(dir, "127.0.0.1:" + two.clientPort);
            assertEquals("OK\n", ctl.ok(null, "--user", "alice:alicepw", "put", "/app/j", "1"));
            assertEquals("1\n", new Etcdctl(dir, "127.0.0.1:" + one.clientPort)
                    .ok(null, "--user", "alice:alicepw", "get", "/app/j", "--print-value-only"));

            // A launcher whose keys do not fit stops at start and says why.
            MemberProcess bad = new MemberProcess("w3", dir);
            try {
                bad.start("--auth-token", "jwt,pub-key=" + pub + ",priv-key=" + pub + ",sign-method=RS256");
                assertTrue(bad.process().waitFor(90, TimeUnit.SECONDS), "the launcher stops");
                assertNotEquals(0, bad.process().exitValue());
                assertTrue(bad.output().contains("jwt"), bad.output());
            } finally {
                bad.close();
            }
        }
    }
}
