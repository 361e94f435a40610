package io.keel.raft.sim.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.raft.sim.linearizability.Operation.Kind;
import io.keel.raft.sim.linearizability.Operation.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class OperationTest {

  @Test
  void eachFactoryFillsEveryFieldOfTheOperation() {
    assertEquals(new Operation(1, "k", Kind.PUT, "v", null, 5, 9, Outcome.OK, null, false),
        Operation.put(1, "k", "v", 5, 9));
    assertEquals(new Operation(1, "k", Kind.PUT, "v", null, 5, Long.MAX_VALUE, Outcome.UNKNOWN, null, false),
        Operation.putUnknown(1, "k", "v", 5));
    assertEquals(new Operation(2, "k", Kind.CAS, "new", "old", 5, 9, Outcome.OK, null, true),
        Operation.cas(2, "k", "old", "new", 5, 9, true));
    assertEquals(new Operation(2, "k", Kind.CAS, "new", null, 5, Long.MAX_VALUE, Outcome.UNKNOWN, null, false),
        Operation.casUnknown(2, "k", null, "new", 5));
    assertEquals(new Operation(3, "k", Kind.GET, null, null, 5, 9, Outcome.OK, "r", false),
        Operation.get(3, "k", 5, 9, "r"));
    assertTrue(Operation.putUnknown(1, "k", "v", 5).isUnknown());
    assertFalse(Operation.put(1, "k", "v", 5, 9).isUnknown());
  }

  @Test
  void rejectsMalformedOperations() {
    // An unknown get carries no information; the simulator must not record it.
    assertThrows(IllegalArgumentException.class,
        () -> new Operation(1, "k", Kind.GET, null, null, 5, Long.MAX_VALUE, Outcome.UNKNOWN, null, false));
    assertThrows(IllegalArgumentException.class, () -> Operation.put(1, "k", "v", 9, 5)); // completed before invoked
    assertThrows(IllegalArgumentException.class, () -> Operation.put(1, "k", "v", 5, Long.MAX_VALUE));
    assertThrows(IllegalArgumentException.class,
        () -> new Operation(1, "k", Kind.PUT, "v", null, 5, 9, Outcome.UNKNOWN, null, false));
    assertThrows(IllegalArgumentException.class,
        () -> new Operation(1, "k", Kind.CAS, "v", "e", 5, Long.MAX_VALUE, Outcome.UNKNOWN, null, true));
    assertThrows(IllegalArgumentException.class,
        () -> new Operation(1, "k", Kind.GET, "v", null, 5, 9, Outcome.OK, "r", false));
    assertThrows(NullPointerException.class, () -> Operation.get(1, null, 5, 9, "r"));
  }

  @Test
  void anOperationPrintsAsItsCallResultAndInterval() {
    assertEquals("c2 cas(k, \"a\" -> \"b\") = true [100, 250]", Operation.cas(2, "k", "a", "b", 100, 250, true)
        .toString());
    assertEquals("c1 put(k, \"v\") [7, ?, outcome unknown]", Operation.putUnknown(1, "k", "v", 7).toString());
    assertEquals("c3 get(k) = <absent> [1, 2]", Operation.get(3, "k", 1, 2, null).toString());
  }

  @Test
  void historyKeepsOperationsInInsertionOrderAndIsReadOnlyToCallers() {
    History h = new History();
    Operation a = Operation.put(1, "k", "v", 0, 1);
    Operation b = Operation.get(2, "k", 2, 3, "v");
    h.add(a);
    h.add(b);
    assertEquals(2, h.size());
    assertEquals(List.of(a, b), h.operations());
    assertThrows(UnsupportedOperationException.class, () -> h.operations().add(a));
    assertThrows(NullPointerException.class, () -> h.add(null));
  }
}
