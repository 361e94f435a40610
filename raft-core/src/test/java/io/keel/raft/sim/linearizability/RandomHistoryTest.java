package io.keel.raft.sim.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Larger, generated histories; and a cross-check against a brute-force oracle on many tiny ones. */
class RandomHistoryTest {

  private static final LinearizabilityChecker CHECKER = new LinearizabilityChecker(1_000_000);

  @Test
  void generatedLinearizableHistoriesPass() {
    for (long seed = 1; seed <= 50; seed++) {
      History h = RandomHistories.linearizable(seed, 500, 3, 5, 0.1);
      Verdict v = CHECKER.check(h);
      assertTrue(v.isLinearizable(), "seed " + seed + ": " + v);
      assertEquals(3, ((Verdict.Linearizable) v).keys());
    }
  }

  @Test
  void corruptedReadOfAValueNeverWrittenFails() {
    for (long seed = 1; seed <= 20; seed++) {
      History h = RandomHistories.linearizable(seed, 500, 3, 5, 0.1);
      int i = firstGetAfter(h, new Random(seed).nextInt(h.size()));
      Operation g = h.operations().get(i);
      History bad = RandomHistories.replace(h, i,
          Operation.get(g.client(), g.key(), g.invokedAt(), g.completedAt(), "never-written"));
      Verdict v = CHECKER.check(bad);
      Verdict.NotLinearizable nl = assertInstanceOf(Verdict.NotLinearizable.class, v, "seed " + seed + ": " + v);
      assertEquals(g.key(), nl.key());
      assertTrue(nl.explanation().contains("never-written"), nl.explanation());
    }
  }

  /**
   * A corruption that reaches the search rather than the "value never written" shortcut: after everything else has
   * completed, a fresh put followed by a read of an older value. The older value's only writer (values are unique)
   * completed before the fresh put began, so nothing can reinstate it: guaranteed non-linearizable.
   */
  @Test
  void staleReadAppendedAfterTheEndFails() {
    for (long seed = 1; seed <= 20; seed++) {
      History h = RandomHistories.linearizable(seed, 500, 3, 5, 0.1);
      Operation oldWrite = null;
      for (Operation op : h.operations()) {
        if (op.kind() == Operation.Kind.PUT && !op.isUnknown()) {
          oldWrite = op; // the last OK put, so the prefix is long and the search has real work to do
        }
      }
      long end = RandomHistories.end(h);
      h.add(Operation.put(98, oldWrite.key(), "fresh", end + 10, end + 20));
      h.add(Operation.get(99, oldWrite.key(), end + 30, end + 40, oldWrite.value()));
      Verdict v = CHECKER.check(h);
      Verdict.NotLinearizable nl = assertInstanceOf(Verdict.NotLinearizable.class, v, "seed " + seed + ": " + v);
      assertEquals(oldWrite.key(), nl.key());
      assertTrue(nl.explanation().contains("reads \"" + oldWrite.value() + "\" but the register holds \"fresh\""),
          nl.explanation());
    }
  }

  /** Times in [0, 12]: intervals often touch exactly, which exercises the tie rules. */
  @Test
  void agreesWithBruteForceOnTinyRandomHistories() {
    agreeWithOracle(new Random(42), 1, BruteForceOracle::isLinearizablePerKey);
  }

  /**
   * Times spread out (invocations even, completions odd) so that no return coincides with a call: then the
   * whole-history brute force must agree too, which checks the split by key (P-compositionality) against the
   * definition.
   */
  @Test
  void agreesWithWholeHistoryBruteForceWhenNoEventsCoincide() {
    agreeWithOracle(new Random(43), 2, BruteForceOracle::isLinearizable);
  }

  private static void agreeWithOracle(Random rnd, int spread, java.util.function.Predicate<History> oracle) {
    int linearizable = 0;
    int violations = 0;
    for (int round = 0; round < 4_000; round++) {
      History h = tinyRandomHistory(rnd, spread);
      boolean expected = oracle.test(h);
      Verdict v = CHECKER.check(h);
      assertEquals(expected, v.isLinearizable(), () -> "oracle=" + expected + " checker=" + v + "\n" + h);
      if (!expected) {
        assertInstanceOf(Verdict.NotLinearizable.class, v); // never Unknown with this budget
      }
      if (expected) {
        linearizable++;
      } else {
        violations++;
      }
    }
    // Both answers must be well represented, or the comparison proves little.
    assertTrue(linearizable > 500 && violations > 500, linearizable + " / " + violations);
  }

  /**
   * Up to 7 operations on 2 keys, 3 clients, 3 values, some unknown writes. Results are random, so a good share are
   * linearizable and a good share are not.
   */
  private static History tinyRandomHistory(Random rnd, int spread) {
    String[] values = {null, "a", "b"};
    int n = 2 + rnd.nextInt(6);
    List<Operation> ops = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int client = rnd.nextInt(3);
      String key = rnd.nextInt(4) == 0 ? "y" : "x";
      long inv = rnd.nextInt(10) * spread;
      long comp = inv + rnd.nextInt(4) * spread + (spread - 1); // spread 2: inv even, comp odd, never equal
      boolean unknown = rnd.nextInt(6) == 0;
      String v = values[1 + rnd.nextInt(2)];
      String e = values[rnd.nextInt(3)];
      switch (rnd.nextInt(3)) {
        case 0 -> ops.add(unknown ? Operation.putUnknown(client, key, v, inv)
            : Operation.put(client, key, v, inv, comp));
        case 1 -> ops.add(unknown ? Operation.casUnknown(client, key, e, v, inv)
            : Operation.cas(client, key, e, v, inv, comp, rnd.nextBoolean()));
        default -> ops.add(Operation.get(client, key, inv, comp, values[rnd.nextInt(3)]));
      }
    }
    History h = new History();
    ops.forEach(h::add);
    return h;
  }

  @Test
  void twoThousandOpsOverTenKeysIsFast() {
    History h = RandomHistories.linearizable(7, 2_000, 10, 5, 0.05);
    CHECKER.check(h); // warm-up
    Verdict v = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> CHECKER.check(h));
    assertTrue(v.isLinearizable(), v::toString);
  }

  private static int firstGetAfter(History h, int from) {
    List<Operation> ops = h.operations();
    for (int k = 0; k < ops.size(); k++) {
      int i = (from + k) % ops.size();
      if (ops.get(i).kind() == Operation.Kind.GET) {
        return i;
      }
    }
    throw new AssertionError("no get in history");
  }
}
