package io.keel.raft.sim.linearizability;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A deliberately naive reference for tiny histories: tries every order of every subset of operations that contains
 * all OK ones (no memo, no event list, no pruning). It shares no code with the checker, so agreement between the two on
 * many random histories is evidence that the checker's optimisations (cache, event list, pruning of unobserved unknown
 * writes, tie rules) preserve the definition.
 *
 * <p>{@link #isLinearizable} searches the whole history at once, {@link #isLinearizablePerKey} each key's sub-history
 * alone. They agree when no two operations touch at one instant; with the checker's same-client tie rule they can
 * differ (see the caveat in {@link LinearizabilityChecker}), and the per-key form is what the checker decides.
 */
final class BruteForceOracle {

  private final List<Operation> ops;
  private final boolean[] placed;
  private final Map<String, String> store = new HashMap<>();

  private BruteForceOracle(History h) {
    this.ops = h.operations();
    this.placed = new boolean[ops.size()];
  }

  static boolean isLinearizable(History h) {
    return new BruteForceOracle(h).search();
  }

  static boolean isLinearizablePerKey(History h) {
    Map<String, History> byKey = new HashMap<>();
    for (Operation op : h.operations()) {
      byKey.computeIfAbsent(op.key(), k -> new History()).add(op);
    }
    return byKey.values().stream().allMatch(BruteForceOracle::isLinearizable);
  }

  /** a must take effect before b: real-time order, plus program order for one client's touching operations. */
  static boolean precedes(Operation a, Operation b) {
    if (a.isUnknown()) {
      return false;
    }
    return a.completedAt() < b.invokedAt()
        || (a.client() == b.client() && a.completedAt() == b.invokedAt() && a.invokedAt() < b.invokedAt());
  }

  private boolean search() {
    boolean allOkPlaced = true;
    for (int i = 0; i < ops.size(); i++) {
      allOkPlaced &= placed[i] || ops.get(i).isUnknown();
    }
    if (allOkPlaced) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      if (placed[i] || !ready(i)) {
        continue;
      }
      Operation op = ops.get(i);
      String before = store.get(op.key());
      if (!apply(op, before)) {
        continue;
      }
      placed[i] = true;
      boolean found = search();
      placed[i] = false;
      if (before == null) {
        store.remove(op.key());
      } else {
        store.put(op.key(), before);
      }
      if (found) {
        return true;
      }
    }
    return false;
  }

  private boolean ready(int i) {
    for (int j = 0; j < ops.size(); j++) {
      if (!placed[j] && precedes(ops.get(j), ops.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** Applies op if it is legal in the current store; returns false (leaving the store unchanged) if not. */
  private boolean apply(Operation op, String current) {
    switch (op.kind()) {
      case PUT -> store.put(op.key(), op.value());
      case GET -> {
        return Objects.equals(current, op.readValue());
      }
      case CAS -> {
        boolean matches = Objects.equals(current, op.expected());
        if (op.isUnknown()) {
          if (matches) {
            store.put(op.key(), op.value());
          }
          return true; // took effect as a success, or as a failure (no change)
        }
        if (matches != op.casSucceeded()) {
          return false;
        }
        if (matches) {
          store.put(op.key(), op.value());
        }
      }
    }
    return true;
  }
}
