package io.keel.benchmarks;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What CI can afford (well under a minute): every benchmark of io.keel.benchmarks once, in this JVM (no fork), no
 * warmup, one 200 ms measurement (CommitPathBenchmark with 16 writes outstanding only). It proves they build, set up, run and tear down, and produce a positive score;
 * the figures mean nothing. JMH's output goes to target/jmh-smoke.txt. The real run is in docs/benchmarks.md.
 */
class JmhSmokeTest {

    @Test
    void everyBenchmarkProducesAResult() throws RunnerException, IOException {
        Set<String> listed = benchmarkList();
        assertTrue(listed.size() >= 16, "annotation processor generated only " + listed);

        Options options = new OptionsBuilder()
                .include("io\\.keel\\.benchmarks\\..*")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                // CommitPathBenchmark starts three members per trial: one window size is enough to prove it runs.
                .param("outstanding", "16")
                .shouldFailOnError(true)
                .output("target/jmh-smoke.txt") // JMH's log, out of CI's; failures still fail the test
                .build();
        Collection<RunResult> results = new Runner(options).run();

        Set<String> ran = new TreeSet<>();
        for (RunResult r : results) {
            assertNotNull(r.getPrimaryResult(), r.getParams().getBenchmark());
            double score = r.getPrimaryResult().getScore();
            assertTrue(score > 0 && !Double.isNaN(score), r.getParams().getBenchmark() + " scored " + score);
            ran.add(r.getParams().getBenchmark());
        }
        assertEquals(listed, ran, "benchmarks without a result");
    }

    /** The benchmark methods the JMH annotation processor listed in META-INF/BenchmarkList. */
    private static Set<String> benchmarkList() throws IOException {
        try (InputStream in = JmhSmokeTest.class.getResourceAsStream("/META-INF/BenchmarkList")) {
            assertNotNull(in, "META-INF/BenchmarkList missing: the JMH annotation processor did not run");
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // Each line: JMH S <len> <class> S <len> <generated class> S <len> <method> ...
            return text.lines().filter(l -> l.startsWith("JMH "))
                    .map(l -> l.split(" "))
                    .map(t -> t[3] + "." + t[9])
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
