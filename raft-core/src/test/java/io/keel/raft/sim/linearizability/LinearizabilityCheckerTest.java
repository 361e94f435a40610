package io.keel.raft.sim.linearizability;

import static io.keel.raft.sim.linearizability.Operation.cas;
import static io.keel.raft.sim.linearizability.Operation.casUnknown;
import static io.keel.raft.sim.linearizability.Operation.get;
import static io.keel.raft.sim.linearizability.Operation.put;
import static io.keel.raft.sim.linearizability.Operation.putUnknown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hand-made histories with a known answer. Times are virtual nanoseconds; clients are c1, c2, ... */
class LinearizabilityCheckerTest {

  private static final LinearizabilityChecker CHECKER = new LinearizabilityChecker(1_000_000);

  private static Verdict check(Operation... ops) {
    return CHECKER.check(History.of(ops));
  }

  private static void assertLinearizable(Operation... ops) {
    Verdict v = check(ops);
    assertInstanceOf(Verdict.Linearizable.class, v, () -> "expected linearizable, got " + v);
    assertTrue(v.isLinearizable());
  }

  private static Verdict.NotLinearizable assertNotLinearizable(Operation... ops) {
    Verdict v = check(ops);
    assertInstanceOf(Verdict.NotLinearizable.class, v, () -> "expected a violation, got " + v);
    assertFalse(v.isLinearizable());
    return (Verdict.NotLinearizable) v;
  }

  @Test
  void emptyHistoryIsLinearizable() {
    assertEquals(new Verdict.Linearizable(0, 0), CHECKER.check(new History()));
  }

  @Test
  void aSequentialHistoryOfPutsGetsAndDeletesIsLinearizable() {
    assertLinearizable(
        get(1, "x", 0, 10, null),
        put(1, "x", "a", 20, 30),
        get(2, "x", 40, 50, "a"),
        put(2, "x", "b", 60, 70),
        get(1, "x", 80, 90, "b"),
        put(1, "x", null, 100, 110), // a put of null deletes
        get(2, "x", 120, 130, null));
  }

  @Test
  void linearizableVerdictCountsKeysAndStates() {
    Verdict v = check(put(1, "x", "a", 0, 10), get(1, "x", 20, 30, "a"), put(2, "y", "b", 0, 10));
    assertEquals(new Verdict.Linearizable(2, 3), v); // one state per linearized operation: nothing to backtrack
  }

  @Test
  void concurrentWritesMayBeSeenInEitherOrder() {
    Operation w1 = put(1, "x", "a", 0, 100);
    Operation w2 = put(2, "x", "b", 10, 90);
    // Readers after both writes agree on whichever was last.
    assertLinearizable(w1, w2, get(3, "x", 150, 160, "a"), get(4, "x", 170, 180, "a"));
    assertLinearizable(w1, w2, get(3, "x", 150, 160, "b"), get(4, "x", 170, 180, "b"));
    // Readers concurrent with the writes can see a, then b (a before b) ...
    assertLinearizable(w1, w2, get(3, "x", 20, 50, "a"), get(4, "x", 60, 80, "b"), get(3, "x", 150, 160, "b"));
    // ... but once everyone has seen b after a, a later read of a is a violation: the final order was a, b.
    assertNotLinearizable(w1, w2, get(3, "x", 20, 50, "a"), get(4, "x", 60, 80, "b"), get(3, "x", 150, 160, "a"));
  }

  @Test
  void staleReadAfterCompletedWriteIsNotLinearizable() {
    Verdict.NotLinearizable v = assertNotLinearizable(
        put(1, "x", "a", 0, 10),
        put(1, "x", "b", 20, 30),
        get(2, "x", 40, 50, "a"));
    assertEquals("x", v.key());
    // The explanation points at the offending read, with its times and value, and at what the register held.
    assertTrue(v.explanation().contains("c2 get(x) = \"a\" [40, 50]"), v.explanation());
    assertTrue(v.explanation().contains("Register after it: \"b\""), v.explanation());
    assertTrue(v.explanation().contains("Longest linearizable prefix found: 2 operations"), v.explanation());
  }

  @Test
  void readOfValueNeverWrittenIsNotLinearizable() {
    Verdict.NotLinearizable v = assertNotLinearizable(
        put(1, "x", "a", 0, 10),
        get(2, "x", 5, 50, "zzz"));
    assertTrue(v.explanation().contains("\"zzz\""), v.explanation());
    assertTrue(v.explanation().contains("no put or cas on this key ever wrote"), v.explanation());
  }

  @Test
  void readOfValueWrittenUnderAnotherKeyIsNotLinearizable() {
    assertNotLinearizable(put(1, "y", "a", 0, 10), get(2, "x", 20, 30, "a"));
  }

  @Test
  void readOfValueWhoseWriteStartedAfterTheReadCompletedIsNotLinearizable() {
    Verdict.NotLinearizable v = assertNotLinearizable(
        get(1, "x", 0, 10, "a"),
        put(2, "x", "a", 20, 30));
    assertTrue(v.explanation().contains("c1 get(x) = \"a\" [0, 10]: reads \"a\" but the register holds <absent>"),
        v.explanation());
    // The same read overlapping the write is fine.
    assertLinearizable(get(1, "x", 0, 25, "a"), put(2, "x", "a", 20, 30));
  }

  @Test
  void touchingIntervalsOfDifferentClientsCountAsConcurrent() {
    // The write completes at 10, the read is invoked at 10: with no order between same-instant events, the read may
    // take effect first.
    assertLinearizable(put(1, "x", "a", 0, 10), get(2, "x", 10, 20, null));
    assertNotLinearizable(put(1, "x", "a", 0, 10), get(2, "x", 11, 20, null));
  }

  @Test
  void sameClientOperationsAreOrderedEvenWhenTheyTouch() {
    // Client 1 learns its write completed at 10 and reads at 10: it must see its own write.
    Verdict.NotLinearizable v = assertNotLinearizable(put(1, "x", "a", 0, 10), get(1, "x", 10, 20, null));
    assertTrue(v.explanation().contains("c1 get(x) = <absent> [10, 20]"), v.explanation());
    assertLinearizable(put(1, "x", "a", 0, 10), get(1, "x", 10, 20, "a"));
  }

  @Test
  void casOutcomesThatMatchTheValueHeldAreLinearizable() {
    assertLinearizable(
        cas(1, "x", null, "a", 0, 10, true), // expected null = absent
        cas(2, "x", null, "b", 20, 30, false),
        cas(1, "x", "a", "b", 40, 50, true),
        cas(2, "x", "a", "c", 60, 70, false),
        get(3, "x", 80, 90, "b"));
  }

  @Test
  void casThatFailedAlthoughTheExpectedValueWasThereIsNotLinearizable() {
    Verdict.NotLinearizable v = assertNotLinearizable(
        put(1, "x", "a", 0, 10),
        cas(2, "x", "a", "b", 20, 30, false));
    assertTrue(v.explanation().contains(
        "c2 cas(x, \"a\" -> \"b\") = false [20, 30]: failed although the register holds its expected value \"a\""),
        v.explanation());
  }

  @Test
  void casThatSucceededAgainstTheWrongValueIsNotLinearizable() {
    assertNotLinearizable(
        put(1, "x", "a", 0, 10),
        put(1, "x", "q", 20, 30),
        cas(2, "x", "a", "b", 40, 50, true));
  }

  @Test
  void ofTwoConcurrentCasFromTheSameValueExactlyOneWins() {
    Operation init = put(1, "x", "a", 0, 10);
    // Two concurrent cas(a -> ...): exactly one can win.
    assertLinearizable(init, cas(2, "x", "a", "b", 20, 40, true), cas(3, "x", "a", "c", 25, 45, false),
        get(1, "x", 50, 60, "b"));
    assertNotLinearizable(init, cas(2, "x", "a", "b", 20, 40, true), cas(3, "x", "a", "c", 25, 45, true));
    // The winner's value must be the one read afterwards.
    assertNotLinearizable(init, cas(2, "x", "a", "b", 20, 40, true), cas(3, "x", "a", "c", 25, 45, false),
        get(1, "x", 50, 60, "c"));
  }

  @Test
  void anUnknownWriteMayTakeEffectLongAfterItsClientGaveUp() {
    assertLinearizable(
        put(1, "x", "a", 0, 10),
        putUnknown(2, "x", "b", 20),
        get(3, "x", 30, 40, "a"), // not yet applied ...
        get(3, "x", 1_000, 1_010, "b"), // ... applied long after its client gave up
        get(1, "x", 2_000, 2_010, "b"));
  }

  @Test
  void anUnknownWriteMayNeverTakeEffect() {
    assertLinearizable(
        put(1, "x", "a", 0, 10),
        putUnknown(2, "x", "b", 20),
        casUnknown(2, "x", "a", "c", 30),
        get(3, "x", 40, 50, "a"),
        get(3, "x", 1_000, 1_010, "a"));
    // The same with a failed cas in the key, so that the checker cannot discard the unknown writes up front: the search
    // itself has to leave them out (the unknown cas can never succeed, as "q" is never there).
    assertLinearizable(
        put(1, "x", "a", 0, 10),
        putUnknown(2, "x", "b", 20),
        casUnknown(2, "x", "q", "c", 30),
        cas(1, "x", "q", "d", 40, 50, false),
        get(3, "x", 60, 70, "a"),
        get(3, "x", 1_000, 1_010, "a"));
  }

  @Test
  void unknownWriteObservedBeforeItWasInvokedIsNotLinearizable() {
    assertNotLinearizable(
        put(1, "x", "a", 0, 10),
        get(3, "x", 20, 30, "b"),
        putUnknown(2, "x", "b", 40));
  }

  @Test
  void unknownWriteCanExplainAFailedCasEvenIfItsValueIsNeverRead() {
    // Only b having taken effect explains the failed cas(a -> c); nothing ever reads b. A checker that discarded
    // unobserved unknown writes unconditionally would report a false violation here.
    Operation[] withUnknown = {
        put(1, "x", "a", 0, 10),
        putUnknown(2, "x", "b", 20),
        cas(1, "x", "a", "c", 50, 60, false),
        put(1, "x", "d", 70, 80),
        get(3, "x", 90, 100, "d")};
    assertLinearizable(withUnknown);
    assertNotLinearizable(withUnknown[0], withUnknown[2], withUnknown[3], withUnknown[4]);
  }

  @Test
  void unknownCasTakesEffectOnlyIfItsExpectationHeld() {
    assertLinearizable(put(1, "x", "a", 0, 10), casUnknown(2, "x", "a", "b", 20), get(1, "x", 500, 510, "b"));
    assertNotLinearizable(put(1, "x", "a", 0, 10), casUnknown(2, "x", "q", "b", 20), get(1, "x", 500, 510, "b"));
  }

  @Test
  void twoIndependentKeysWhereOnlyOneIsBroken() {
    Verdict.NotLinearizable v = assertNotLinearizable(
        put(1, "good", "a", 0, 10),
        put(2, "bad", "a", 0, 10),
        get(1, "good", 20, 30, "a"),
        put(2, "bad", "b", 20, 30),
        get(3, "bad", 40, 50, "a"), // stale
        get(3, "good", 40, 50, "a"));
    assertEquals("bad", v.key());
    assertTrue(v.explanation().startsWith("key bad:"), v.explanation());
  }

  @Test
  void valuesOfDifferentKeysDoNotInterfere() {
    // The same value under two keys: per-key value ids must not leak between keys.
    assertLinearizable(
        put(1, "x", "a", 0, 10), put(2, "y", "b", 0, 10),
        put(1, "x", "b", 20, 30), put(2, "y", "a", 20, 30),
        get(3, "x", 40, 50, "b"), get(3, "y", 40, 50, "a"));
  }

  /**
   * n puts of distinct values, all concurrent, followed by reads. The search has to consider which of the n writes was
   * last, i.e. on the order of 2^n (subset, last value) states when no order works.
   */
  private static History concurrentWrites(String key, int n, String... laterReads) {
    History h = new History();
    for (int i = 0; i < n; i++) {
      h.add(put(i, key, "v" + i, i, 100 + i));
    }
    long t = 1_000;
    for (String r : laterReads) {
      h.add(get(99, key, t, t + 10, r));
      t += 100;
    }
    return h;
  }

  @Test
  void budgetExhaustionReturnsUnknownNeverAPass() {
    // Linearizable (v0 can be last), but found only after backtracking over many orders.
    History ok = concurrentWrites("x", 12, "v0");
    Verdict small = new LinearizabilityChecker(50).check(ok);
    Verdict.Unknown u = assertInstanceOf(Verdict.Unknown.class, small, small::toString);
    assertFalse(small.isLinearizable());
    assertEquals("x", u.key());
    assertTrue(u.reason().contains("budget of 50 states"), u.reason());
    assertTrue(CHECKER.check(ok).isLinearizable());

    // Not linearizable (after all writes ended, v1 cannot follow v0), but proving it takes thousands of states.
    History bad = concurrentWrites("x", 12, "v0", "v1");
    assertInstanceOf(Verdict.Unknown.class, new LinearizabilityChecker(1_000).check(bad));
    assertInstanceOf(Verdict.NotLinearizable.class, CHECKER.check(bad));
  }

  @Test
  void aDefiniteViolationOnOneKeyWinsOverAnExhaustedBudgetOnAnother() {
    History h = concurrentWrites("hard", 12, "v0");
    h.add(put(1, "easy", "a", 0, 10));
    h.add(get(2, "easy", 20, 30, null));
    Verdict v = new LinearizabilityChecker(50).check(h);
    assertEquals("easy", assertInstanceOf(Verdict.NotLinearizable.class, v).key());
  }

  @Test
  void budgetMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new LinearizabilityChecker(0));
  }
}
