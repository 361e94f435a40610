package io.keel.raft.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the seeded simulation over many seeds. {@code -Dkeel.sim.seeds=N} sets how many (CI: 2,000), and
 * {@code -Dkeel.sim.first=S} the first seed; {@code #replay} with {@code -Dkeel.sim.seed=S} replays one seed and
 * prints its trace.
 */
class SimulationTest {

    @Test
    void manySeedsAcrossSizesAndFaultMixes() throws Exception {
        int seeds = Integer.getInteger("keel.sim.seeds", 2000);
        long first = Long.getLong("keel.sim.first", 1);
        SeedRunner.Summary summary = SeedRunner.run(first, seeds, Runtime.getRuntime().availableProcessors());
        System.out.println(summary);
        if (!summary.failures().isEmpty()) {
            fail(summary.failures().size() + " of " + seeds + " seeds failed; first:\n"
                    + summary.failures().get(0).report());
        }
        assertTrue(summary.unknownVerdicts() * 100 <= seeds,
                "too many histories the checker could not decide: " + summary.unknownVerdicts());
    }

    @Test
    void replay() {
        String seed = System.getProperty("keel.sim.seed");
        if (seed == null) return; // only when asked for
        Simulation.Result result = Simulation.run(Long.parseLong(seed));
        System.out.println(result.report());
        if (!result.passed()) {
            result.trace().forEach(System.out::println);
            fail(result.report());
        }
    }
}
