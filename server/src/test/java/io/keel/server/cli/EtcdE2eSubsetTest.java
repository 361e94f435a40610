package io.keel.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * etcd's own judge, in CI: the tests of etcd 3.4's end-to-end suite listed in scripts/etcd-e2e/tests.ci, run by
 * scripts/etcd-e2e/run.sh against this build's launcher (from the test classpath) with Debian's etcdctl, must pass
 * as they pass on etcd 3.4 here. The whole suite is a documented command (docs/operations.md), not CI.
 */
class EtcdE2eSubsetTest {
    @Test
    void etcdsOwnEndToEndTestsPassAgainstKeel(@TempDir Path dir) throws IOException, InterruptedException {
        Path repo = Path.of("").toAbsolutePath().getParent(); // surefire runs in server/
        Path script = repo.resolve("scripts/etcd-e2e/run.sh");
        assertTrue(Files.isExecutable(script), "missing " + script);

        // The launcher as the distribution runs it, but from the classes this build just compiled and tested.
        Path launcher = dir.resolve("keel");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(launcher, "#!/bin/sh\nexec '" + java + "' -Xmx256m '"
                + String.join("' '", LauncherJvm.fastStartOptions()) + "'"
                + " -Dlogback.configurationFile='" + repo.resolve("server/src/assembly/conf/logback.xml") + "'"
                + " -cp '" + System.getProperty("java.class.path") + "' " + KeelMain.class.getName() + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));

        Path output = dir.resolve("run.txt");
        Process run = new ProcessBuilder(List.of(script.toString(), "--only=keel",
                "--tests=" + repo.resolve("scripts/etcd-e2e/tests.ci"), "--keel-bin=" + launcher,
                "--work=" + dir.resolve("work"), "--per-test-timeout=240"))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        // A generous bound for a loaded 2-core machine: building the suite's binary, then each test.
        boolean done = run.waitFor(25, TimeUnit.MINUTES);
        if (!done) run.destroyForcibly().waitFor();
        String text = Files.readString(output);
        System.out.println(text);
        assertTrue(done, "run.sh did not finish:\n" + text);
        assertEquals(0, run.exitValue(), () -> "etcd's e2e tests failed against Keel (logs in "
                + dir.resolve("work/logs") + "):\n" + text);
        assertTrue(text.matches("(?s).*\\n(\\d+) passed, 0 failed on Keel.*"), text);
    }
}
