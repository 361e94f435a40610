package io.keel.raft.sim.linearizability;

import java.util.Arrays;

/**
 * The memo ("cache") of Lowe's algorithm: a hash set of (set of linearized operations, register state) pairs already
 * reached. Two search nodes with the same pair have identical futures, so the second one can be pruned; this is what
 * turns the exponential Wing &amp; Gong search into something usable on long histories.
 *
 * <p>Stored without per-entry objects: bitsets and states live back to back in one {@code long[]} arena, and an
 * open-addressing table of {@code int} indices points into it. The caller supplies the hash, maintained incrementally
 * (Zobrist style) as operations are linearized and undone, so adding costs one pass over the bitset words only when
 * hashes collide or when the entry is new.
 *
 * <p>Exact keys are stored, not just hashes: a hash collision reported as "already visited" would prune a branch that
 * might be the only linearization and produce a false NotLinearizable.
 */
final class VisitedSet {

  /** Largest number of entries we allow, so that {@code arena} and {@code table} stay addressable by {@code int}. */
  final long maxEntries;

  private final int words;
  private final int stride;
  private long[] arena;
  private long[] hashes;
  private int[] table; // 0 = empty slot, otherwise entry index + 1
  private int mask;
  private int size;

  VisitedSet(int words, int expectedEntries) {
    this.words = words;
    this.stride = words + 1;
    this.maxEntries = Math.min(1L << 29, (Integer.MAX_VALUE - 16) / stride);
    int capacity = Math.max(16, Math.min(expectedEntries, 1 << 20));
    this.arena = new long[capacity * stride];
    this.hashes = new long[capacity];
    int tableSize = Integer.highestOneBit(capacity * 2 - 1) << 1;
    this.table = new int[tableSize];
    this.mask = tableSize - 1;
  }

  int size() {
    return size;
  }

  /**
   * Adds (bits, state) and returns true if it was not present. Throws {@link IllegalStateException} once
   * {@link #maxEntries} is reached; the checker keeps its budget below that.
   */
  boolean add(long[] bits, int state, long hash) {
    int slot = spread(hash) & mask;
    for (int idx; (idx = table[slot] - 1) >= 0; slot = (slot + 1) & mask) {
      if (hashes[idx] == hash && sameKey(idx, bits, state)) {
        return false;
      }
    }
    if (size >= maxEntries) {
      throw new IllegalStateException("visited set full");
    }
    if (size == hashes.length) {
      int capacity = (int) Math.min(maxEntries, (long) size * 2);
      arena = Arrays.copyOf(arena, capacity * stride);
      hashes = Arrays.copyOf(hashes, capacity);
    }
    System.arraycopy(bits, 0, arena, size * stride, words);
    arena[size * stride + words] = state;
    hashes[size] = hash;
    table[slot] = ++size;
    if (size * 2L > table.length) {
      rehash();
    }
    return true;
  }

  private boolean sameKey(int idx, long[] bits, int state) {
    int base = idx * stride;
    if (arena[base + words] != state) {
      return false;
    }
    for (int i = 0; i < words; i++) {
      if (arena[base + i] != bits[i]) {
        return false;
      }
    }
    return true;
  }

  private void rehash() {
    int[] newTable = new int[table.length * 2];
    int newMask = newTable.length - 1;
    for (int idx = 0; idx < size; idx++) {
      int slot = spread(hashes[idx]) & newMask;
      while (newTable[slot] != 0) {
        slot = (slot + 1) & newMask;
      }
      newTable[slot] = idx + 1;
    }
    table = newTable;
    mask = newMask;
  }

  private static int spread(long h) {
    return (int) (h ^ (h >>> 32));
  }
}
