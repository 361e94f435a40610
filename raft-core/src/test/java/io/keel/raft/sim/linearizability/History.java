package io.keel.raft.sim.linearizability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The client-observed history of a run: a plain, thread-unsafe append-only list. The simulator is single-threaded, so
 * no synchronisation is paid for. Order of insertion does not matter to the checker (only the recorded times do).
 */
public final class History {

  private final List<Operation> operations = new ArrayList<>();

  public static History of(Operation... ops) {
    History h = new History();
    for (Operation op : ops) {
      h.add(op);
    }
    return h;
  }

  public void add(Operation op) {
    operations.add(Objects.requireNonNull(op, "op"));
  }

  /** A read-only view (not a copy) of the operations recorded so far. */
  public List<Operation> operations() {
    return Collections.unmodifiableList(operations);
  }

  public int size() {
    return operations.size();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("History[").append(operations.size()).append(" ops]");
    for (Operation op : operations) {
      sb.append("\n  ").append(op);
    }
    return sb.toString();
  }
}
