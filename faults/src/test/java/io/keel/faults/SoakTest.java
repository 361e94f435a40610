package io.keel.faults;

import io.keel.faults.run.FaultRun;
import io.keel.faults.run.Schedules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The soak (faults/soak.sh): faults drawn by the seed for {@code keel.faults.soak.minutes}, about 25 s each, on
 * {@code keel.faults.members} members. Runs only when asked for; CI runs {@link ShortRunTest}.
 */
@EnabledIfSystemProperty(named = "keel.faults.soak.minutes", matches = "\\d+")
class SoakTest {
    @Test
    @Timeout(value = 48, unit = TimeUnit.HOURS)
    void faultsDrawnBySeed() throws Exception {
        long seed = Schedules.seed();
        int minutes = Integer.parseInt(System.getProperty("keel.faults.soak.minutes"));
        int members = Integer.parseInt(System.getProperty("keel.faults.members", "3"));
        int faults = Math.max(1, minutes * 60 / 25);
        FaultRun.Report r = FaultRun.run(new FaultRun.Settings("soak", members, seed, Duration.ofSeconds(3),
                Duration.ofSeconds(10), Duration.ofSeconds(9), Map.of(), Set.of("election", "lease", "watch"),
                "faults/soak.sh --minutes " + minutes + " --seed " + seed + " --members " + members),
                Schedules.random(seed, faults, 4));
        assertTrue(r.passed(), r.summary() + "\n" + String.join("\n", r.failures()));
    }
}
