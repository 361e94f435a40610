package io.keel.raft.sim.linearizability;

import java.util.Objects;

/**
 * One client operation on the key-value store, as observed from outside the system: when the client invoked it, when
 * (if ever) it learned the result, and what that result was.
 *
 * <p>Each key is an independent register holding a {@code String} or being absent ({@code null}).
 *
 * <ul>
 *   <li>{@code PUT}: sets {@link #value()}; always succeeds.
 *   <li>{@code CAS}: if the register equals {@link #expected()} ({@code null} meaning "absent") sets {@link #value()}
 *       and reports {@link #casSucceeded()} = true, otherwise changes nothing and reports false.
 *   <li>{@code GET}: returns the register's content in {@link #readValue()}.
 * </ul>
 *
 * <p>{@link Outcome#UNKNOWN} means the client never learned whether a write was applied (a timeout, a lost leader):
 * such a write may take effect at any instant after its invocation, or never. Its {@link #completedAt()} is
 * {@link Long#MAX_VALUE}. A read with an unknown outcome tells nothing and must not be recorded, so it is rejected.
 * Operations the system definitely did not apply are not recorded either.
 *
 * <p>Times are the simulator's virtual nanoseconds. Two operations whose intervals merely touch ({@code a.completedAt
 * == b.invokedAt}) count as concurrent unless they come from the same client; see {@link LinearizabilityChecker}.
 */
public record Operation(int client, String key, Kind kind, String value, String expected,
                        long invokedAt, long completedAt, Outcome outcome, String readValue, boolean casSucceeded) {

  public enum Kind { PUT, CAS, GET }

  public enum Outcome { OK, UNKNOWN }

  /** Validates eagerly so that a simulator bug shows up where the operation is recorded, not as a bogus verdict. */
  public Operation {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(outcome, "outcome");
    if (outcome == Outcome.UNKNOWN) {
      if (kind == Kind.GET) {
        throw new IllegalArgumentException("a get with an unknown outcome carries no information; do not record it");
      }
      if (completedAt != Long.MAX_VALUE) {
        throw new IllegalArgumentException("an UNKNOWN operation has completedAt = Long.MAX_VALUE, got " + completedAt);
      }
      if (casSucceeded) {
        throw new IllegalArgumentException("an UNKNOWN cas cannot report success");
      }
    } else if (completedAt == Long.MAX_VALUE) {
      throw new IllegalArgumentException("completedAt = Long.MAX_VALUE is reserved for UNKNOWN operations");
    }
    if (completedAt < invokedAt) {
      throw new IllegalArgumentException("completed (" + completedAt + ") before invoked (" + invokedAt + ")");
    }
    switch (kind) {
      case PUT -> {
        if (expected != null || readValue != null || casSucceeded) {
          throw new IllegalArgumentException("a put has only a value");
        }
      }
      case CAS -> {
        if (readValue != null) {
          throw new IllegalArgumentException("a cas reads nothing");
        }
      }
      case GET -> {
        if (value != null || expected != null || casSucceeded) {
          throw new IllegalArgumentException("a get has only a read value");
        }
      }
    }
  }

  public static Operation put(int client, String key, String value, long invokedAt, long completedAt) {
    return new Operation(client, key, Kind.PUT, value, null, invokedAt, completedAt, Outcome.OK, null, false);
  }

  public static Operation putUnknown(int client, String key, String value, long invokedAt) {
    return new Operation(client, key, Kind.PUT, value, null, invokedAt, Long.MAX_VALUE, Outcome.UNKNOWN, null, false);
  }

  public static Operation cas(int client, String key, String expected, String value, long invokedAt, long completedAt,
                              boolean succeeded) {
    return new Operation(client, key, Kind.CAS, value, expected, invokedAt, completedAt, Outcome.OK, null, succeeded);
  }

  public static Operation casUnknown(int client, String key, String expected, String value, long invokedAt) {
    return new Operation(client, key, Kind.CAS, value, expected, invokedAt, Long.MAX_VALUE, Outcome.UNKNOWN, null,
        false);
  }

  public static Operation get(int client, String key, long invokedAt, long completedAt, String readValue) {
    return new Operation(client, key, Kind.GET, null, null, invokedAt, completedAt, Outcome.OK, readValue, false);
  }

  public boolean isUnknown() {
    return outcome == Outcome.UNKNOWN;
  }

  /** Compact form used in verdict explanations, e.g. {@code c2 cas(k, "a" -> "b") = true [100, 250]}. */
  @Override
  public String toString() {
    String body = switch (kind) {
      case PUT -> "put(" + key + ", " + quote(value) + ")";
      case CAS -> "cas(" + key + ", " + quote(expected) + " -> " + quote(value) + ")"
          + (isUnknown() ? "" : " = " + casSucceeded);
      case GET -> "get(" + key + ") = " + quote(readValue);
    };
    String end = isUnknown() ? "?, outcome unknown" : Long.toString(completedAt);
    return "c" + client + " " + body + " [" + invokedAt + ", " + end + "]";
  }

  static String quote(String s) {
    return s == null ? "<absent>" : '"' + s + '"';
  }
}
