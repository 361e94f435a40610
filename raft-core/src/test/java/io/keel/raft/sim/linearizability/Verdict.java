package io.keel.raft.sim.linearizability;

/**
 * Result of {@link LinearizabilityChecker#check(History)}. Only {@link Linearizable} is a pass: {@link Unknown} (search
 * budget exhausted) must never be treated as one.
 */
public sealed interface Verdict permits Verdict.Linearizable, Verdict.NotLinearizable, Verdict.Unknown {

  default boolean isLinearizable() {
    return this instanceof Linearizable;
  }

  /** Every key's sub-history has a linearization. {@code statesExplored} is summed over all {@code keys}. */
  record Linearizable(int keys, long statesExplored) implements Verdict {}

  /** The sub-history of {@code key} has no linearization; {@code explanation} is meant for a human reading a CI log. */
  record NotLinearizable(String key, String explanation) implements Verdict {}

  /** The search for {@code key} ran out of budget before reaching a conclusion. */
  record Unknown(String key, String reason) implements Verdict {}
}
