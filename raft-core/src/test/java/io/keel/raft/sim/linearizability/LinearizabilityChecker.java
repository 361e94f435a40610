package io.keel.raft.sim.linearizability;

import io.keel.raft.sim.linearizability.Operation.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a key-value {@link History} is linearizable (Herlihy &amp; Wing 1990).
 *
 * <h2>Approach</h2>
 *
 * <ol>
 *   <li><b>P-compositionality.</b> Linearizability is local: a history is linearizable iff every per-object
 *       sub-history is. Each key is an independent register, so we split by key and search each one alone. This turns
 *       one search over N operations into K much smaller ones, which matters because the search is exponential in the
 *       worst case. (Horn &amp; Kroening, "Faster linearizability checking via P-compositionality", FORTE 2015.)
 *   <li><b>Wing &amp; Gong's search with Lowe's cache.</b> Wing &amp; Gong ("Testing and verifying concurrent
 *       objects", JPDC 1993) linearize operations one at a time by depth-first search: the next operation may be any
 *       pending one whose invocation precedes the earliest response among the operations not linearized yet, and it
 *       must be legal for the sequential specification from the current state. Lowe ("Testing for linearizability",
 *       Concurrency and Computation: Practice and Experience, 2017) adds a memo of (set of linearized operations,
 *       state) pairs already explored: two nodes with equal pairs have the same future, so the second is pruned. The
 *       history is kept as a list of call and return events ordered by time in a doubly-linked list, from which the
 *       call and return of a linearized operation are unlinked ("lifted") and relinked on backtrack in O(1),
 *       dancing-links style.
 *   <li><b>Unknown outcomes.</b> A write whose outcome the client never learned gets its return event at +infinity: it
 *       can be linearized anywhere after its call, or not at all. The search succeeds as soon as every OK operation is
 *       linearized; unknown ones left over simply never took effect.
 * </ol>
 *
 * <h2>Conventions</h2>
 *
 * <ul>
 *   <li>Real-time order: {@code a} precedes {@code b} iff {@code a.completedAt < b.invokedAt}. Intervals that merely
 *       touch count as concurrent, because with virtual time two events in the same nanosecond carry no order we can
 *       trust, and a checker must not invent violations. Exception: operations of the same client are sequential, so
 *       if a client's operation completes at the very instant it invokes the next one, the first precedes the second
 *       (provided the second was invoked later than the first; two zero-length operations of one client at the same
 *       instant stay unordered). That catches a client failing to read its own write in a simulator whose clients
 *       react in zero time, a common and realistic case.
 *   <li>Caveat of that exception: it makes the precedence relation a partial order that is not an interval order,
 *       and Herlihy &amp; Wing's locality theorem needs one. So "every key linearizable" is then slightly weaker than
 *       "the whole history linearizable": a cycle across keys made only of same-instant events, such as c1 put(x)
 *       then get(y) and c2 put(y) then get(x), all four touching at one instant with both gets reading nothing, is
 *       accepted. Such a history needs zero-latency processing on the servers too, and a violation reported by this
 *       checker is always a real one. Recording distinct times for causally ordered events removes the caveat.
 *   <li>Budget: the number of distinct (set, state) pairs entered, per key. Exceeding it yields {@link
 *       Verdict.Unknown}, never a pass.
 * </ul>
 *
 * <p>Instances are stateless apart from the budget and may be reused and shared.
 */
public final class LinearizabilityChecker {

  private final long maxStatesPerKey;

  public LinearizabilityChecker(long maxStatesPerKey) {
    if (maxStatesPerKey <= 0) {
      throw new IllegalArgumentException("maxStatesPerKey must be positive: " + maxStatesPerKey);
    }
    this.maxStatesPerKey = maxStatesPerKey;
  }

  /**
   * Checks every key. A key that is not linearizable wins over a key whose search ran out of budget (a definite
   * failure is the more useful report); keys are examined in order of first appearance, so verdicts are deterministic.
   */
  public Verdict check(History h) {
    Map<String, List<Operation>> byKey = new LinkedHashMap<>();
    for (Operation op : h.operations()) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    long states = 0;
    Verdict.Unknown firstUnknown = null;
    for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
      Verdict v = new KeySearch(e.getKey(), e.getValue(), maxStatesPerKey).run();
      if (v instanceof Verdict.NotLinearizable) {
        return v;
      } else if (v instanceof Verdict.Unknown u) {
        if (firstUnknown == null) {
          firstUnknown = u;
        }
      } else {
        states += ((Verdict.Linearizable) v).statesExplored();
      }
    }
    return firstUnknown != null ? firstUnknown : new Verdict.Linearizable(byKey.size(), states);
  }

  /** The search over one key's sub-history. Single use. */
  private static final class KeySearch {

    // Operation codes for the sequential step function. An unknown put behaves like a put.
    private static final byte PUT = 0;
    private static final byte GET = 1;
    private static final byte CAS_TRUE = 2; // OK, succeeded
    private static final byte CAS_FALSE = 3; // OK, failed
    private static final byte CAS_MAYBE = 4; // outcome unknown

    /** Register state id of "absent". Other values get ids 1, 2, ... per key. */
    private static final int ABSENT = 0;

    /** Explanations list at most this many operations of the prefix / of the candidates. */
    private static final int SHOW = 8;

    private final String key;
    private final long budget;
    private final int ignoredUnknownWrites;

    // Per operation (index 0..n-1 into ops).
    private final Operation[] ops;
    private final int n;
    private final byte[] code;
    private final int[] arg; // PUT/CAS: value written; GET: value read
    private final int[] expect; // CAS: expected value
    private final boolean[] definite; // outcome OK: must be linearized
    private final int definiteCount;
    private final long[] zobrist; // random per-op hash, XORed into the bitset hash
    private final int[][] tiePredecessors; // same-client ops completing exactly when this one is invoked
    private final List<String> valueNames = new ArrayList<>(); // id -> value, for explanations

    // Event list: entry 2i is op i's call, 2i+1 its return; HEAD and TAIL are sentinels.
    private final int head;
    private final int tail;
    private final int[] next;
    private final int[] prev;

    // Longest prefix reached, for the explanation.
    private int[] bestPrefix = new int[0];

    private String impossibleRead; // set when a read returns a value nobody could have written

    KeySearch(String key, List<Operation> all, long budget) {
      this.key = key;
      this.budget = budget;

      Map<String, Integer> ids = new HashMap<>();
      valueNames.add(null); // ABSENT
      // Values that some operation can observe: read by a get, or compared by a cas.
      boolean[] observed = new boolean[2 * all.size() + 1];
      boolean anyFailedCas = false;
      int[] writtenId = new int[all.size()];
      boolean[] writable = new boolean[2 * all.size() + 1];
      for (int i = 0; i < all.size(); i++) {
        Operation op = all.get(i);
        if (op.kind() == Kind.GET) {
          observed[idOf(ids, op.readValue())] = true;
        } else {
          writtenId[i] = idOf(ids, op.value());
          writable[writtenId[i]] = true;
          if (op.kind() == Kind.CAS) {
            observed[idOf(ids, op.expected())] = true;
            anyFailedCas |= !op.isUnknown() && !op.casSucceeded();
          }
        }
      }
      writable[ABSENT] = true; // the initial state

      // A read of a value no operation on this key ever wrote cannot be linearized anywhere; say so directly rather
      // than after a search, with a clearer message.
      for (Operation op : all) {
        if (op.kind() == Kind.GET && !writable[ids.getOrDefault(op.readValue(), ABSENT)]) {
          impossibleRead = "key " + key + ": " + op + " read a value that no put or cas on this key ever wrote";
          break;
        }
      }

      // Drop unknown writes whose value nobody observes, when no cas ever failed. Such a write, if it took effect,
      // could be followed only by another write before any read or successful cas (neither can see its value), so
      // removing it from a linearization leaves a linearization. The only thing it could explain is a failed cas (it
      // changes what the register does NOT hold), hence the condition. This keeps timed-out writes, common around
      // leader changes, from multiplying the search space by two each.
      List<Operation> kept = new ArrayList<>(all.size());
      int ignored = 0;
      for (int i = 0; i < all.size(); i++) {
        Operation op = all.get(i);
        if (op.isUnknown() && !anyFailedCas && !observed[writtenId[i]]) {
          ignored++;
        } else {
          kept.add(op);
        }
      }
      this.ignoredUnknownWrites = ignored;

      this.ops = kept.toArray(new Operation[0]);
      this.n = ops.length;
      this.code = new byte[n];
      this.arg = new int[n];
      this.expect = new int[n];
      this.definite = new boolean[n];
      this.zobrist = new long[n];
      this.tiePredecessors = new int[n][];
      int defs = 0;
      for (int i = 0; i < n; i++) {
        Operation op = ops[i];
        definite[i] = !op.isUnknown();
        defs += definite[i] ? 1 : 0;
        zobrist[i] = mix(i + 1);
        switch (op.kind()) {
          case PUT -> {
            code[i] = PUT;
            arg[i] = idOf(ids, op.value());
          }
          case GET -> {
            code[i] = GET;
            arg[i] = idOf(ids, op.readValue());
          }
          case CAS -> {
            code[i] = op.isUnknown() ? CAS_MAYBE : op.casSucceeded() ? CAS_TRUE : CAS_FALSE;
            arg[i] = idOf(ids, op.value());
            expect[i] = idOf(ids, op.expected());
          }
        }
      }
      this.definiteCount = defs;
      for (Map.Entry<String, Integer> e : ids.entrySet()) {
        while (valueNames.size() <= e.getValue()) {
          valueNames.add(null);
        }
        valueNames.set(e.getValue(), e.getKey());
      }

      // Sort call and return events by time. At equal times calls come first, so touching intervals overlap (see the
      // class comment); the same-client exception is enforced separately through tiePredecessors.
      Integer[] entries = new Integer[2 * n];
      for (int e = 0; e < 2 * n; e++) {
        entries[e] = e;
      }
      Arrays.sort(entries, Comparator.<Integer>comparingLong(this::timeOf).thenComparingInt(e -> e & 1)
          .thenComparingInt(e -> e));
      head = 2 * n;
      tail = 2 * n + 1;
      next = new int[2 * n + 2];
      prev = new int[2 * n + 2];
      int last = head;
      for (int e : entries) {
        next[last] = e;
        prev[e] = last;
        last = e;
      }
      next[last] = tail;
      prev[tail] = last;
      next[tail] = -1;
      prev[head] = -1;

      Map<Long, List<Integer>> completionsByTime = new HashMap<>();
      for (int i = 0; i < n; i++) {
        if (definite[i]) {
          completionsByTime.computeIfAbsent(ops[i].completedAt(), t -> new ArrayList<>()).add(i);
        }
      }
      for (int i = 0; i < n; i++) {
        List<Integer> same = completionsByTime.get(ops[i].invokedAt());
        if (same == null) {
          continue;
        }
        int[] preds = new int[same.size()];
        int count = 0;
        for (int j : same) {
          // invokedAt < invokedAt keeps the relation acyclic when a client has zero-length operations at one instant.
          if (ops[j].client() == ops[i].client() && ops[j].invokedAt() < ops[i].invokedAt()) {
            preds[count++] = j;
          }
        }
        tiePredecessors[i] = count == 0 ? null : Arrays.copyOf(preds, count);
      }
    }

    private long timeOf(int entry) {
      Operation op = ops[entry >>> 1];
      return (entry & 1) == 0 ? op.invokedAt() : op.completedAt(); // Long.MAX_VALUE (+infinity) if unknown
    }

    private static int idOf(Map<String, Integer> ids, String value) {
      if (value == null) {
        return ABSENT;
      }
      Integer id = ids.get(value);
      if (id == null) {
        id = ids.size() + 1;
        ids.put(value, id);
      }
      return id;
    }

    /** The sequential specification: the state after applying op to state s, or -1 if op cannot happen in s. */
    private int step(int op, int s) {
      switch (code[op]) {
        case PUT:
          return arg[op];
        case GET:
          return s == arg[op] ? s : -1;
        case CAS_TRUE:
          return s == expect[op] ? arg[op] : -1;
        case CAS_FALSE:
          return s != expect[op] ? s : -1;
        default: // CAS_MAYBE: a failed cas has no effect, the same as never linearizing it, so only try success.
          return s == expect[op] ? arg[op] : -1;
      }
    }

    Verdict run() {
      if (impossibleRead != null) {
        return new Verdict.NotLinearizable(key, impossibleRead);
      }
      if (definiteCount == 0) {
        return new Verdict.Linearizable(1, 0);
      }
      final int words = (n + 63) >>> 6;
      final long[] bits = new long[words];
      final int[] stackOp = new int[n];
      final int[] stackState = new int[n];
      final VisitedSet visited = new VisitedSet(words, 4 * n);
      final long limit = Math.min(budget, visited.maxEntries);
      final int[] next = this.next;
      final int[] prev = this.prev;

      long hash = 0;
      int state = ABSENT;
      int depth = 0;
      int linearizedDefinite = 0;
      long explored = 0;
      int bestDepth = -1;

      int e = next[head];
      while (true) {
        if ((e & 1) == 0) {
          // A call event: try to linearize its operation now.
          int op = e >>> 1;
          int after = predecessorsDone(op, bits) ? step(op, state) : -1;
          if (after >= 0) {
            bits[op >>> 6] |= 1L << op;
            long h = hash ^ zobrist[op];
            if (visited.add(bits, after, h ^ mix(~(long) after))) {
              if (++explored > limit) {
                return new Verdict.Unknown(key, "search budget of " + budget + " states exhausted for key " + key
                    + " (" + n + " operations, " + (n - definiteCount) + " with unknown outcome, deepest prefix "
                    + Math.max(bestDepth, depth) + "); the history may or may not be linearizable");
              }
              stackOp[depth] = op;
              stackState[depth] = state;
              depth++;
              state = after;
              hash = h;
              lift(e);
              if (definite[op] && ++linearizedDefinite == definiteCount) {
                return new Verdict.Linearizable(1, explored);
              }
              if (depth > bestDepth) {
                bestDepth = depth;
                bestPrefix = Arrays.copyOf(stackOp, depth);
              }
              e = next[head];
              continue;
            }
            bits[op >>> 6] &= ~(1L << op); // already explored from this (set, state): prune
          }
          e = next[e];
        } else {
          // The earliest pending return: its operation had to be linearized before anything that follows, and every
          // candidate from this node has been tried. (It is the return of an OK operation: while one is pending, its
          // finite return precedes every +infinity return.) Backtrack.
          if (depth == 0) {
            return new Verdict.NotLinearizable(key, explain(Math.max(bestDepth, 0)));
          }
          depth--;
          int op = stackOp[depth];
          state = stackState[depth];
          bits[op >>> 6] &= ~(1L << op);
          hash ^= zobrist[op];
          if (definite[op]) {
            linearizedDefinite--;
          }
          int call = op << 1;
          unlift(call);
          e = next[call];
        }
      }
    }

    private boolean predecessorsDone(int op, long[] bits) {
      int[] preds = tiePredecessors[op];
      if (preds != null) {
        for (int p : preds) {
          if ((bits[p >>> 6] & (1L << p)) == 0) {
            return false;
          }
        }
      }
      return true;
    }

    /** Unlinks a call entry and its return entry. */
    private void lift(int call) {
      int ret = call | 1;
      next[prev[call]] = next[call];
      prev[next[call]] = prev[call];
      next[prev[ret]] = next[ret];
      prev[next[ret]] = prev[ret];
    }

    /** Undoes {@link #lift} (in reverse order, so the unlinked entries' own pointers are still valid). */
    private void unlift(int call) {
      int ret = call | 1;
      next[prev[ret]] = ret;
      prev[next[ret]] = ret;
      next[prev[call]] = call;
      prev[next[call]] = call;
    }

    /**
     * Describes the failure from the longest linearizable prefix the search found: the register value it leaves, the
     * operation that had to come next at the latest (earliest response), and why each operation that could have been
     * placed next was rejected. The prefix is one witness among possibly many, but it usually points at the culprit.
     */
    private String explain(int depth) {
      boolean[] done = new boolean[n];
      int state = ABSENT;
      for (int i = 0; i < depth; i++) {
        done[bestPrefix[i]] = true;
        state = step(bestPrefix[i], state);
      }
      int blocking = -1;
      for (int i = 0; i < n; i++) {
        if (!done[i] && definite[i] && (blocking < 0 || ops[i].completedAt() < ops[blocking].completedAt())) {
          blocking = i;
        }
      }
      long deadline = ops[blocking].completedAt();

      StringBuilder sb = new StringBuilder();
      sb.append("key ").append(key).append(": no linearization of its ").append(n).append(" operations");
      if (ignoredUnknownWrites > 0) {
        sb.append(" (plus ").append(ignoredUnknownWrites).append(" unobserved writes of unknown outcome, ignored)");
      }
      sb.append(".\n  Longest linearizable prefix found: ").append(depth)
          .append(depth == 1 ? " operation" : " operations");
      if (depth > SHOW) {
        sb.append(", the last ").append(SHOW).append(":");
      } else if (depth > 0) {
        sb.append(':');
      }
      for (int i = Math.max(0, depth - SHOW); i < depth; i++) {
        sb.append("\n    ").append(i + 1).append(". ").append(ops[bestPrefix[i]]);
      }
      sb.append("\n  Register after it: ").append(Operation.quote(valueNames.get(state)));
      sb.append("\n  None of these can be linearized next (each invoked by ").append(deadline)
          .append(", when the first pending operation completed):");
      int shown = 0;
      int candidates = 0;
      for (int i = 0; i < n; i++) {
        if (done[i] || ops[i].invokedAt() > deadline || (!definite[i] && step(i, state) < 0)) {
          continue; // an unknown write that cannot take effect here is simply left out: not part of the problem
        }
        candidates++;
        if (shown++ >= SHOW) {
          continue;
        }
        sb.append("\n    ").append(ops[i]).append(": ");
        boolean predsDone = true;
        if (tiePredecessors[i] != null) {
          for (int p : tiePredecessors[i]) {
            predsDone &= done[p];
          }
        }
        if (!predsDone) {
          sb.append("its client's previous operation is not linearized yet");
        } else if (step(i, state) < 0) {
          String holds = Operation.quote(valueNames.get(state));
          sb.append(switch (code[i]) {
            case GET -> "reads " + Operation.quote(valueNames.get(arg[i])) + " but the register holds " + holds;
            case CAS_TRUE -> "succeeded expecting " + Operation.quote(valueNames.get(expect[i]))
                + " but the register holds " + holds;
            default -> "failed although the register holds its expected value " + holds; // CAS_FALSE
          });
        } else {
          sb.append("possible here, but every continuation fails");
        }
      }
      if (candidates > SHOW) {
        sb.append("\n    ... and ").append(candidates - SHOW).append(" more");
      }
      return sb.toString();
    }

    /** SplitMix64's finalizer: a cheap, well-distributed 64-bit mix, deterministic across runs. */
    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      return z ^ (z >>> 31);
    }
  }
}
