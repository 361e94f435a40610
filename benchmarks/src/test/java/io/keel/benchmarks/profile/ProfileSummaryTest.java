package io.keel.benchmarks.profile;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfileSummaryTest {
    @Test
    void threadKindsDropTheMemberIdTheThreadNumberAndTheTid() {
        assertEquals("keel-apply", ProfileSummary.threadKind("[keel-apply-4cd9b7672d7fbee8 tid=30945]"));
        assertEquals("keel-log-sync raft-log", ProfileSummary.threadKind("[keel-log-sync raft-log tid=9]"));
        assertEquals("keel-client-io", ProfileSummary.threadKind("[keel-client-io-3-2 tid=7]"));
        // Profiles taken before the client port had threads of its own still group as gRPC's.
        assertEquals("grpc-default-worker-ELG", ProfileSummary.threadKind("[grpc-default-worker-ELG-3-2 tid=7]"));
        assertEquals("keel-grpc", ProfileSummary.threadKind("[keel-grpc-43bb00d0ce7790a5-answers tid=1]"));
        assertEquals("C2 CompilerThread0", ProfileSummary.threadKind("[C2 CompilerThread0 tid=12]"));
        assertEquals("G1 Conc", ProfileSummary.threadKind("[G1 Conc#0 tid=5]"));
    }

    @Test
    void samplesAreSummedByKindWithSelfFramesAndKeelMethodsOnTheStack() {
        ProfileSummary.Summary s = new ProfileSummary.Summary();
        s.add("[keel-apply-4cd9b7672d7fbee8 tid=1];io/keel/A.run;io/keel/B.apply;rocksdb::Put 30");
        s.add("[keel-apply-1111111111111111 tid=2];io/keel/A.run;io/keel/A$$Lambda$7.run;io/keel/B.apply;memcmp 10");
        s.add("[keel-raft-4cd9b7672d7fbee8 tid=3];io/keel/A.run;futex 60");
        s.add("");
        assertEquals(100, s.total);
        assertEquals(Map.of("keel-apply", 40L, "keel-raft", 60L), s.byKind);
        assertEquals(Map.of("rocksdb::Put", 30L, "memcmp", 10L), s.selfByKind.get("keel-apply"));
        assertEquals(Map.of("io/keel/A.run", 40L, "io/keel/B.apply", 40L), s.keelByKind.get("keel-apply"),
                "each method once per stack, lambdas left out");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), 5, 5);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.indexOf("keel-raft") < out.indexOf("keel-apply"), "the larger kind first: " + out);
        assertTrue(out.contains(" 60.0%") && out.contains(" 75.0%  rocksdb::Put"), out);
    }

    @Test
    void aLineWithoutACountIsRefused() {
        ProfileSummary.Summary s = new ProfileSummary.Summary();
        assertThrows(IllegalArgumentException.class, () -> s.add("[t tid=1];frame"));
        assertThrows(NumberFormatException.class, () -> s.add("[t tid=1];frame x"));
    }
}
