package io.keel.server.cli;

import io.keel.server.grpc.Etcdctl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Users, roles and permissions with etcd's own client: the same etcdctl 3.4 session run against a real etcd 3.4
 * ({@code /usr/bin/etcd}) and against a Keel launcher process must print the same thing, line by line, refusals
 * included. Only clientv3's JSON log lines (timestamps) and the endpoints are taken out before comparing.
 */
@ExtendWith(MemberOutputOnFailure.class)
class EtcdctlAuthTest {
    private record Step(String stdin, String[] args) {
        @Override
        public String toString() {
            return "etcdctl " + String.join(" ", args) + (stdin == null ? "" : " <<< " + stdin.strip());
        }
    }

    private static Step ctl(String... args) {
        return new Step(null, args);
    }

    private static Step ctlIn(String stdin, String... args) {
        return new Step(stdin, args);
    }

    private static String[] as(String user, String... args) {
        List<String> all = new ArrayList<>(List.of("--user", user));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private static final String ROOT = "root:rootpw";
    private static final String ALICE = "alice:alicepw";
    private static final String LONG_PASSWORD = "p".repeat(100);

    /** The session: setup without auth, enabling it, allowed and refused requests, changes taking effect at once. */
    static List<Step> session() {
        return List.of(
                ctl("auth", "enable"), // refused: no root user yet
                ctl("user", "add", "root", "--new-user-password=rootpw"),
                ctl("user", "add", "alice", "--new-user-password=alicepw"),
                ctl("user", "add", "alice", "--new-user-password=other"), // refused: exists
                ctl("role", "add", "reader"),
                ctl("role", "add", "reader"), // refused: exists
                ctl("role", "grant-permission", "reader", "read", "/app/", "--prefix=true"),
                ctl("role", "grant-permission", "reader", "readwrite", "/rw/key"),
                ctl("role", "grant-permission", "reader", "write", "/w/a", "/w/m"),
                ctl("role", "grant-permission", "nosuch", "read", "/x"), // refused: no such role
                ctl("user", "grant-role", "alice", "reader"),
                ctl("user", "grant-role", "alice", "nosuch"), // refused
                ctl("user", "grant-role", "nobody", "reader"), // refused
                ctl("user", "add", "", "--new-user-password=x"), // refused: empty name
                ctl("role", "add", ""), // refused
                ctl("user", "grant-role", "alice", ""), // refused: no such role
                ctl("user", "add", "long", "--new-user-password=" + LONG_PASSWORD),
                ctl("user", "grant-role", "long", "reader"),
                ctl("user", "add", "nopw", "--no-password"),
                ctl("user", "grant-role", "nopw", "reader"),
                ctl("user", "get", "alice"),
                ctl("user", "get", "nobody"), // refused
                ctl("role", "get", "reader"),
                ctl("role", "get", "nosuch"), // refused
                ctl("user", "list"),
                ctl("role", "list"),
                ctl("put", "/app/x", "1"),
                // etcdctl adds the root role and grants it to root when the server answers "root user does not have
                // root role": a refusal Keel must give exactly for that to work.
                ctl("auth", "enable"),
                ctl(as(ROOT, "user", "get", "root")),
                ctl("auth", "enable"), // once more: nothing changes
                ctl("get", "/app/x"), // refused: no user
                ctl("put", "/app/x", "2"), // refused: no user
                ctl(as(ROOT, "put", "/app/x", "2")),
                ctl(as(ALICE, "get", "/app/x")),
                ctl(as(ALICE, "get", "/app/", "--prefix")),
                ctl(as(ALICE, "get", "/", "--prefix")), // refused: range wider than granted
                ctl(as(ALICE, "put", "/app/x", "3")), // refused: read only
                ctl(as(ALICE, "put", "/rw/key", "v")),
                ctl(as(ALICE, "get", "/rw/key")),
                ctl(as(ALICE, "put", "/w/b", "w")),
                ctl(as(ALICE, "put", "/w/z", "w")), // refused: outside [/w/a, /w/m)
                ctl(as(ALICE, "get", "/w/b")), // refused: write only
                ctl(as(ALICE, "del", "/rw/key")),
                ctl(as(ALICE, "del", "/app/", "--prefix")), // refused
                ctlIn("value(\"/app/x\") = \"2\"\n\nput /rw/key t\n\nput /other o\n\n", as(ALICE, "txn")), // refused
                ctlIn("value(\"/app/x\") = \"2\"\n\nput /rw/key t\n\nget /app/x\n\n", as(ALICE, "txn")),
                ctl(as("alice:wrong", "get", "/app/x")), // refused: wrong password
                ctl(as("long:" + LONG_PASSWORD, "get", "/app/x")),
                // bcrypt reads 72 bytes of a password; etcd 3.4 lets the rest differ, as Keel does
                ctl(as("long:" + LONG_PASSWORD.substring(0, 72) + "different", "get", "/app/x")),
                ctl(as("long:" + LONG_PASSWORD.substring(0, 71), "get", "/app/x")), // refused
                ctl(as("nopw:", "get", "/app/x")), // refused: a user without password cannot authenticate
                ctl(as("nopw:anything", "get", "/app/x")), // refused
                ctl(as("nobody:pw", "get", "/app/x")), // refused: no such user
                ctl(as(ALICE, "user", "list")), // refused: not root
                ctl(as(ALICE, "role", "list")), // refused
                ctl(as(ALICE, "user", "get", "alice")), // a user may read itself
                ctl(as(ALICE, "user", "get", "root")), // but nobody else
                ctl(as(ALICE, "role", "get", "reader")), // and the roles it holds
                ctl(as(ALICE, "role", "get", "root")), // refused
                ctl(as(ALICE, "user", "add", "mallory", "--new-user-password=x")), // refused
                ctl(as(ALICE, "auth", "disable")), // refused
                ctl(as(ROOT, "user", "list")),
                ctl(as(ROOT, "user", "delete", "root")), // refused: root stays while auth is on
                ctl(as(ROOT, "user", "revoke-role", "root", "root")), // refused
                ctl(as(ROOT, "role", "delete", "root")), // refused
                ctl(as(ROOT, "user", "revoke-role", "alice", "nosuch")), // refused: not granted
                ctl(as(ROOT, "role", "revoke-permission", "reader", "/nothing")), // refused: not granted
                ctl(as(ROOT, "role", "revoke-permission", "reader", "/app/", "--prefix=true")),
                ctl(as(ALICE, "get", "/app/x")), // refused now
                ctl(as(ROOT, "role", "grant-permission", "reader", "readwrite", "/app/", "--prefix=true")),
                ctl(as(ALICE, "put", "/app/y", "5")),
                ctlIn("newpw\n", as(ROOT, "user", "passwd", "alice", "--interactive=false")),
                ctl(as(ALICE, "get", "/app/x")), // refused: old password
                ctl(as("alice:newpw", "get", "/app/x")),
                ctl(as(ROOT, "user", "revoke-role", "alice", "reader")),
                ctl(as("alice:newpw", "get", "/app/x")), // refused
                ctl(as(ROOT, "user", "grant-role", "alice", "reader")),
                ctl(as(ROOT, "role", "delete", "reader")),
                ctl(as(ROOT, "user", "get", "alice")), // the deleted role is gone from the user too
                ctl(as("alice:newpw", "get", "/app/x")), // refused
                ctl(as(ROOT, "user", "delete", "alice")),
                ctl(as(ROOT, "user", "delete", "alice")), // refused
                ctl(as("alice:newpw", "get", "/app/x")), // refused: no such user any more
                ctl(as(ROOT, "role", "list")),
                ctl(as(ROOT, "auth", "disable")),
                ctl("get", "/app/", "--prefix"),
                ctl("user", "list"),
                ctl("user", "delete", "root"),
                ctl("auth", "enable")); // refused: no root user any more
    }

    @Test
    void theSameSessionPrintsWhatEtcdPrints(@TempDir Path dir) throws Exception {
        try (RealEtcd etcd = new RealEtcd(Files.createDirectories(dir.resolve("etcd")));
             ProcessCluster keel = ProcessCluster.start(Files.createDirectories(dir.resolve("keel")), "auth-session",
                     "a1")) {
            MemberProcess member = keel.members.get(0);
            Etcdctl toEtcd = new Etcdctl(dir, etcd.endpoint());
            Etcdctl toKeel = new Etcdctl(dir, "127.0.0.1:" + member.clientPort);
            StringBuilder transcript = new StringBuilder();
            for (Step step : session()) {
                String expected = normalized(toEtcd.run(step.stdin(), step.args()), etcd.endpoint());
                String actual = normalized(toKeel.run(step.stdin(), step.args()), "127.0.0.1:" + member.clientPort);
                assertEquals(expected, actual, step.toString());
                transcript.append("$ ").append(step).append('\n').append(expected).append('\n');
            }
            Files.writeString(dir.resolve("transcript.txt"), transcript);
            Files.writeString(Path.of("target", "etcdctl-auth-transcript.txt"), transcript);
            // The session reached what it is about (both sides printing nothing would also be "the same").
            for (String line : List.of("Authentication Enabled", "Error: etcdserver: user name is empty",
                    "Error: etcdserver: permission denied",
                    "etcdserver: authentication failed, invalid user ID or password",
                    "Error: etcdserver: root user does not exist", "Error: etcdserver: invalid auth management",
                    "Error: etcdserver: role is not granted to the user", "Authentication Disabled")) {
                assertTrue(transcript.toString().contains(line), "the session never printed: " + line);
            }
        }
    }

    /** Exit code, output and error output, without clientv3's JSON log lines and with the endpoint replaced. */
    static String normalized(Etcdctl.Result r, String endpoint) {
        String err = r.err().lines().filter(l -> !l.startsWith("{\"level\":"))
                .collect(Collectors.joining("\n"));
        return ("exit " + r.exit() + "\n--- out\n" + r.out() + "--- err\n" + err).replace(endpoint, "<endpoint>");
    }
}
