package io.keel.server.grpc;

import io.keel.server.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code etcdctl watch} (Debian's etcd-client, etcdctl 3.4) against Keel: it runs as a process until destroyed, and
 * its output is read from a file as it grows. The test fails, not skips, without etcdctl.
 */
class EtcdctlWatchTest {
    @RegisterExtension
    static final LeaderForClass member = new LeaderForClass();


    /** A running {@code etcdctl watch}. */
    static final class Watching implements AutoCloseable {
        final Process process;
        final Path out;
        final Path err;

        Watching(String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of("etcdctl",
                    "--endpoints=127.0.0.1:" + member.server().port(), "--dial-timeout=10s", "watch"));
            command.addAll(List.of(args));
            out = Files.createTempFile(member.dir(), "watch-out", ".txt");
            err = Files.createTempFile(member.dir(), "watch-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("ETCDCTL_API", "3");
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new AssertionError("etcdctl is not installed: run `apt-get install -y etcd-client` first", e);
            }
        }

        String out() {
            return read(out);
        }

        String err() {
            return read(err);
        }

        private static String read(Path p) {
            try {
                return Files.readString(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void awaitOut(String expected) {
            Poll.until("etcdctl watch prints " + expected.replace("\n", "\\n") + "; so far: "
                    + out().replace("\n", "\\n") + " / " + err(), () -> out().equals(expected));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    static void awaitStreams(int n) {
        Poll.until(n + " watch streams open", () -> member.keel().watchHub().streamCount() == n);
    }

    @Test
    void watchAKeyAPrefixAndWithPrevKv() throws Exception {
        try (Watching key = new Watching("ctlw/k");
             Watching prefix = new Watching("--prefix", "ctlw/");
             Watching prev = new Watching("--prev-kv", "ctlw/k")) {
            Poll.until("three watches created", () -> member.keel().watchHub().watchCount() == 3);
            member.keel().put("ctlw/k", "one");
            member.keel().put("ctlw/other", "x");
            member.keel().put("ctlw/k", "two");
            member.keel().delete("ctlw/k");
            key.awaitOut("PUT\nctlw/k\none\nPUT\nctlw/k\ntwo\nDELETE\nctlw/k\n\n");
            prefix.awaitOut("PUT\nctlw/k\none\nPUT\nctlw/other\nx\nPUT\nctlw/k\ntwo\nDELETE\nctlw/k\n\n");
            // With --prev-kv etcdctl prints the previous version before the new one.
            prev.awaitOut("PUT\nctlw/k\none\nPUT\nctlw/k\none\nctlw/k\ntwo\nDELETE\nctlw/k\ntwo\nctlw/k\n\n");
        } finally {
            awaitStreams(0);
        }
    }

    @Test
    void watchFromAPastRevision() throws Exception {
        long first = member.keel().put("ctlr/k", "a").revision();
        member.keel().put("ctlr/k", "b");
        try (Watching w = new Watching("--rev=" + first, "ctlr/k")) {
            w.awaitOut("PUT\nctlr/k\na\nPUT\nctlr/k\nb\n");
            member.keel().put("ctlr/k", "c");
            w.awaitOut("PUT\nctlr/k\na\nPUT\nctlr/k\nb\nPUT\nctlr/k\nc\n");
        } finally {
            awaitStreams(0);
        }
    }

    @Test
    void watchFromACompactedRevisionIsCanceledAsCompacted() throws Exception {
        long old = member.keel().put("ctlc/k", "a").revision();
        long now = member.keel().put("ctlc/k", "b").revision();
        member.keel().write(new io.keel.storage.mvcc.api.CompactRequest(now));
        try (Watching w = new Watching("--rev=" + old, "ctlc/k")) {
            assertTrue(w.process.waitFor(60, TimeUnit.SECONDS), "etcdctl ends its canceled watch");
            assertTrue(w.err().contains("watch was canceled (etcdserver: mvcc: required revision has been compacted)"),
                    w::err);
            assertEquals("", w.out());
        } finally {
            awaitStreams(0);
        }
    }
}
