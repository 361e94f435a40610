package io.keel.faults;

import io.keel.faults.nemesis.Fault;
import io.keel.faults.run.FaultRun;
import io.keel.faults.run.Schedules;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI's short run: three keel processes in network namespaces, every fault once (about 20 s each), the register
 * and election workloads through all of them, every history checked.
 */
class ShortRunTest {
    @Test
    void everyFaultOnceOnThreeMembers() throws Exception {
        long seed = Schedules.seed();
        // -Dkeel.faults.only=disk-full,bridge runs just those, in that order (to work on one fault).
        String only = System.getProperty("keel.faults.only", "");
        List<Fault> schedule = only.isBlank() ? Schedules.eachOnce(3) : Schedules.named(List.of(only.split(",")), 3);
        FaultRun.Report r = FaultRun.run(new FaultRun.Settings("short-run", 3, seed, Duration.ofSeconds(2),
                Duration.ofSeconds(8), Duration.ofSeconds(6), Map.of(), Set.of("election"),
                "./mvnw -B -pl faults -am verify -Dtest=ShortRunTest -Dsurefire.failIfNoSpecifiedTests=false"
                        + " -Dkeel.faults.seed=" + seed + (only.isBlank() ? "" : " -Dkeel.faults.only=" + only)),
                schedule);
        assertTrue(r.passed(), r.summary() + "\n" + String.join("\n", r.failures()));
    }
}
