package io.keel.raft.scenario;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness itself: failures must point at the script line and explain themselves; the safety checks must bite. */
class ScenarioHarnessTest {

    @Test
    void aFailedExpectationNamesTheLineAndShowsTheTrace() {
        ScenarioFailure f = assertThrows(ScenarioFailure.class, () -> ScenarioScript.run("demo.txt", List.of(
                "cluster 1 2 3",
                "elect 1   # 1 wins term 2",
                "",
                "expect leader 2 term 2")));
        assertEquals(4, f.line());
        String msg = f.getMessage();
        assertTrue(msg.startsWith("demo.txt:4: expect leader 2 term 2\n"), msg);
        assertTrue(msg.contains("expected member 2 to be LEADER in term 2"), msg);
        assertTrue(msg.contains("but member 2 is FOLLOWER in term 2 (leader 1"), msg);
        // The trace shows the commands and the messages delivered, then the cluster's state.
        assertTrue(msg.contains("> 2: elect 1"), msg);
        assertTrue(msg.contains("  1->2 VOTE t2 last=1/1"), msg);
        assertTrue(msg.contains("--- cluster at demo.txt:4 ---"), msg);
    }

    @Test
    void aBrokenScriptLineIsReportedAsSuch() {
        ScenarioFailure f = assertThrows(ScenarioFailure.class, () -> ScenarioScript.run("demo.txt", List.of(
                "cluster 1 2 3",
                "tick all 100ms",
                "jump 1")));
        assertEquals(3, f.line());
        assertTrue(f.getMessage().contains("unknown command 'jump'"), f.getMessage());
    }

    @Test
    void deliveringWhatIsNotThereIsAnError() {
        ScenarioFailure f = assertThrows(ScenarioFailure.class, () -> ScenarioScript.run("demo.txt", List.of(
                "cluster 1 2 3",
                "deliver 1->2")));
        assertTrue(f.getMessage().contains("nothing delivered"), f.getMessage());
    }

    /**
     * Two leaders in one term, made possible only by a forged vote: the Election Safety check stops the script at
     * the line where the second leader appears.
     */
    @Test
    void twoLeadersInOneTermAreCaught() {
        ScenarioFailure f = assertThrows(ScenarioFailure.class, () -> ScenarioScript.run("forged.txt", List.of(
                "cluster 1 2 3",
                "tick all 1000ms",
                "campaign 1",
                "deliver 1->*",
                "deliver *->1",
                "expect role 1 CANDIDATE term 2",
                "drop all",
                "inject 2->1 VOTE_RESPONSE term=2",
                "deliver 2->1",
                "expect leader 1 term 2",
                // 2 never really voted in term 2, so it grants 3's request: a second leader of term 2.
                "campaign 3",
                "deliver 3->2",
                "deliver 2->3",
                "deliver 3->2 VOTE",
                "deliver 2->3 VOTE_RESPONSE")));
        assertEquals(15, f.line());
        assertInstanceOf(ScenarioCluster.InvariantViolation.class, f.getCause());
        assertTrue(f.getMessage().contains("SAFETY INVARIANT BROKEN: Election Safety broken: members 1 and 3 were both"
                + " leader in term 2"), f.getMessage());
    }

    @Test
    void theWholeTraceIsAvailableAfterAPassingScript() {
        ScenarioCluster c = ScenarioScript.run("ok.txt", List.of(
                "cluster 1",
                "campaign 1",
                "propose 1 k=v",
                "expect kv 1 k=v"));
        assertTrue(c.trace().contains("1 propose k=v -> accepted at 3 (term 2)"), String.join("\n", c.trace()));
    }

    // ------------------------------------------------------------------ golden output

    private static final List<String> ELECTION_AND_WRITE = List.of(
            "cluster 1 2 3",
            "elect 1",
            "propose 1 k=v",
            "isolate 3",
            "run 300ms",
            "read 1 id=7",
            "run 200ms");

    @Test
    void theGoldenOutputIsTheSameOnEveryRun() {
        List<String> first = ScenarioScript.run("a.txt", ELECTION_AND_WRITE).golden();
        List<String> second = ScenarioScript.run("a.txt", ELECTION_AND_WRITE).golden();
        assertEquals(first, second);
        // It holds what no expectation above asks for: messages, writes, applied entries, the end state.
        String all = String.join("\n", first);
        for (String part : List.of("  1->2 APPEND t2", "2 wrote entries [3/2:k=v]", "3 applies [1/1:",
                "1 read 7 -> index 3", "--- end state ---", "on the wire:")) {
            assertTrue(all.contains(part), "no '" + part + "' in\n" + all);
        }
    }

    @Test
    void aChangeNoExpectationNamesFailsAgainstTheGoldenOutput(@TempDir Path dir) throws Exception {
        Path golden = dir.resolve("a.golden");
        Files.writeString(golden, GoldenOutput.render("a.txt", ScenarioScript.run("a.txt", ELECTION_AND_WRITE).golden()),
                StandardCharsets.UTF_8);
        GoldenOutput.compare(golden, "a.txt", ScenarioScript.run("a.txt", ELECTION_AND_WRITE).golden());

        List<String> changed = ELECTION_AND_WRITE.stream().map(l -> l.equals("propose 1 k=v") ? "propose 1 k=w" : l).toList();
        AssertionError e = assertThrows(AssertionError.class,
                () -> GoldenOutput.compare(golden, "a.txt", ScenarioScript.run("a.txt", changed).golden()));
        assertTrue(e.getMessage().contains("first difference at line"), e.getMessage());
        assertTrue(e.getMessage().contains("  - > 3: propose 1 k=v"), e.getMessage());
        assertTrue(e.getMessage().contains("  + > 3: propose 1 k=w"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dkeel.golden.rewrite=true"), e.getMessage());
    }

    @Test
    void aScriptWithoutGoldenOutputSaysHowToWriteIt(@TempDir Path dir) {
        AssertionError e = assertThrows(AssertionError.class, () -> GoldenOutput.compare(dir.resolve("new.golden"),
                "new.txt", ScenarioScript.run("new.txt", List.of("cluster 1")).golden()));
        assertTrue(e.getMessage().contains("new.txt has no golden output"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dkeel.golden.rewrite=true"), e.getMessage());
    }
}
