package io.keel.server;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/safety-mutations.sh breaks each safety rule by an exact text replacement and checks a test catches it.
 * Running every mutation takes an hour, so it is a command in the docs, not CI; but a rule's code that changes
 * under the script would leave a mutation that no longer applies. This runs the script's quick --check in CI, so
 * such a change fails here, naming the mutation to update.
 */
class SafetyMutationsListTest {

    @Test
    void everyMutationsTextIsStillFoundOnceInItsFile() throws Exception {
        Path repo = Path.of(System.getProperty("user.dir")).getParent(); // surefire runs in server/
        Process p = new ProcessBuilder("bash", "scripts/safety-mutations.sh", "--check")
                .directory(repo.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the check did not end within 120 s");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("mutations' texts are found once"), out);
    }
}
