package io.keel.raft.sim.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates histories that are linearizable by construction: every operation gets a linearization point strictly
 * inside its [invokedAt, completedAt] interval, the operations are applied to a plain sequential map in the order of
 * those points, and the results (read values, cas outcomes) are recorded. The points themselves form a valid
 * linearization, because {@code a.completedAt < b.invokedAt} implies {@code a.point < b.point}.
 */
final class RandomHistories {

  private RandomHistories() {}

  /**
   * @param concurrency number of clients; each issues one operation at a time, so at most this many overlap
   * @param unknownRate probability that a write's outcome is unknown (it then takes effect with probability 1/2)
   */
  static History linearizable(long seed, int ops, int keys, int concurrency, double unknownRate) {
    Random rnd = new Random(seed);
    record Slot(int client, String key, long invokedAt, long point, long completedAt, int index) {}

    // 1. Intervals: the least busy client invokes next, so all clients keep overlapping.
    long[] clientTime = new long[concurrency];
    for (int c = 0; c < concurrency; c++) {
      clientTime[c] = rnd.nextInt(10);
    }
    List<Slot> slots = new ArrayList<>(ops);
    for (int i = 0; i < ops; i++) {
      int c = 0;
      for (int d = 1; d < concurrency; d++) {
        if (clientTime[d] < clientTime[c]) {
          c = d;
        }
      }
      long invoked = clientTime[c] + rnd.nextInt(20); // a gap of 0 exercises the same-client tie rule
      long duration = 2 + rnd.nextInt(100);
      long point = invoked + 1 + rnd.nextInt((int) duration - 1); // strictly inside the interval
      long completed = invoked + duration;
      clientTime[c] = completed;
      slots.add(new Slot(c, "k" + rnd.nextInt(keys), invoked, point, completed, i));
    }

    // 2. Apply in linearization-point order to a sequential model, choosing kinds and arguments as we go so that cas
    //    operations often expect the current value (and so succeed).
    List<Slot> byPoint = new ArrayList<>(slots);
    byPoint.sort(Comparator.comparingLong(Slot::point).thenComparingInt(Slot::index));
    Map<String, String> model = new HashMap<>();
    Map<String, List<String>> written = new HashMap<>();
    Operation[] out = new Operation[ops];
    int seq = 0;
    for (Slot s : byPoint) {
      String current = model.get(s.key());
      int dice = rnd.nextInt(100);
      boolean unknown = rnd.nextDouble() < unknownRate;
      boolean takesEffect = !unknown || rnd.nextBoolean();
      Operation op;
      if (dice < 40) {
        op = Operation.get(s.client(), s.key(), s.invokedAt(), s.completedAt(), current);
      } else if (dice < 75) {
        String value = "v" + seq++;
        written.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(value);
        op = unknown ? Operation.putUnknown(s.client(), s.key(), value, s.invokedAt())
            : Operation.put(s.client(), s.key(), value, s.invokedAt(), s.completedAt());
        if (takesEffect) {
          model.put(s.key(), value);
        }
      } else {
        List<String> old = written.getOrDefault(s.key(), List.of());
        int pick = rnd.nextInt(10);
        String expected = pick < 6 || old.isEmpty() ? current : pick < 8 ? old.get(rnd.nextInt(old.size())) : null;
        String value = "v" + seq++;
        written.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(value);
        boolean matches = java.util.Objects.equals(expected, current);
        op = unknown ? Operation.casUnknown(s.client(), s.key(), expected, value, s.invokedAt())
            : Operation.cas(s.client(), s.key(), expected, value, s.invokedAt(), s.completedAt(), matches);
        if (takesEffect && matches) {
          model.put(s.key(), value);
        }
      }
      out[s.index()] = op;
    }
    History h = new History();
    for (Operation op : out) {
      h.add(op);
    }
    return h;
  }

  /** A copy of h with operation i replaced. */
  static History replace(History h, int i, Operation op) {
    History copy = new History();
    List<Operation> list = h.operations();
    for (int j = 0; j < list.size(); j++) {
      copy.add(j == i ? op : list.get(j));
    }
    return copy;
  }

  /** Latest finite time in h. */
  static long end(History h) {
    long end = 0;
    for (Operation op : h.operations()) {
      end = Math.max(end, op.isUnknown() ? op.invokedAt() : op.completedAt());
    }
    return end;
  }
}
