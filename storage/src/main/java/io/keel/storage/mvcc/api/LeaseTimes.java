package io.keel.storage.mvcc.api;

/**
 * What a leader taking over needs of a lease: its granted TTL (seconds) and the remaining time the last checkpoint
 * recorded (milliseconds; 0: none, the lease restarts in full).
 */
public record LeaseTimes(long ttlSeconds, long checkpointedRemainingMillis) {}
