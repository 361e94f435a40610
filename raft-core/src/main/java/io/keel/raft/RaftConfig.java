package io.keel.raft;

import java.time.Duration;

/**
 * Settings of one member. Times are in the caller's monotonic clock unit: nanoseconds.
 *
 * @param id                   this member's id (never 0)
 * @param electionTimeout      the minimum election timeout; actual timeouts are drawn from [min, 2*min)
 * @param heartbeatInterval    how often the leader starts a confirmation round; well below electionTimeout
 * @param maxClockDrift        the bound on how much two members' clock rates may differ (0.05 = 5%); shortens the lease
 * @param maxInflightMessages  appends in flight per follower before the leader waits for acknowledgements
 * @param maxInflightBytes     payload bytes in flight per follower before the leader waits
 * @param maxMessageBytes      payload bytes per append message (at least one entry is always sent)
 * @param maxUncommittedBytes  proposed-but-uncommitted payload bytes before proposals are refused
 * @param maxApplyBytes        committed payload bytes handed out per Ready
 * @param readMode             how linearizable reads are confirmed
 * @param applied              the index the state machine has applied (0 if it starts empty)
 * @param randomSeed           seeds the election timeout randomisation (deterministic for simulation)
 */
public record RaftConfig(long id, long electionTimeout, long heartbeatInterval, double maxClockDrift,
                         int maxInflightMessages, long maxInflightBytes, long maxMessageBytes,
                         long maxUncommittedBytes, long maxApplyBytes, ReadMode readMode, long applied,
                         long randomSeed) {

    public RaftConfig {
        if (id == 0) throw new IllegalArgumentException("member id 0 is reserved for 'none'");
        if (heartbeatInterval <= 0 || electionTimeout <= heartbeatInterval) {
            throw new IllegalArgumentException("need 0 < heartbeatInterval < electionTimeout");
        }
        if (maxClockDrift < 0 || maxClockDrift >= 0.5) {
            throw new IllegalArgumentException("maxClockDrift must be in [0, 0.5)");
        }
        if (maxInflightMessages < 1 || maxMessageBytes < 1 || maxUncommittedBytes < 1 || maxApplyBytes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** Defaults suited to a LAN: 1 s election timeout, 100 ms heartbeats, 5% drift, 256 appends in flight. */
    public static RaftConfig defaults(long id) {
        return new RaftConfig(id, Duration.ofSeconds(1).toNanos(), Duration.ofMillis(100).toNanos(), 0.05,
                256, 32L << 20, 1L << 20, 64L << 20, 64L << 20, ReadMode.READ_INDEX, 0, id);
    }

    public RaftConfig withTimeouts(Duration election, Duration heartbeat) {
        return new RaftConfig(id, election.toNanos(), heartbeat.toNanos(), maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxUncommittedBytes, maxApplyBytes, readMode, applied, randomSeed);
    }

    public RaftConfig withReadMode(ReadMode mode) {
        return new RaftConfig(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxUncommittedBytes, maxApplyBytes, mode, applied, randomSeed);
    }

    public RaftConfig withApplied(long appliedIndex) {
        return new RaftConfig(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxUncommittedBytes, maxApplyBytes, readMode, appliedIndex, randomSeed);
    }

    public RaftConfig withRandomSeed(long seed) {
        return new RaftConfig(id, electionTimeout, heartbeatInterval, maxClockDrift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxUncommittedBytes, maxApplyBytes, readMode, applied, seed);
    }

    public RaftConfig withLimits(int inflightMessages, long inflightBytes, long messageBytes, long uncommittedBytes) {
        return new RaftConfig(id, electionTimeout, heartbeatInterval, maxClockDrift, inflightMessages,
                inflightBytes, messageBytes, uncommittedBytes, maxApplyBytes, readMode, applied, randomSeed);
    }

    public RaftConfig withMaxClockDrift(double drift) {
        return new RaftConfig(id, electionTimeout, heartbeatInterval, drift, maxInflightMessages,
                maxInflightBytes, maxMessageBytes, maxUncommittedBytes, maxApplyBytes, readMode, applied, randomSeed);
    }

    /**
     * The longest lease a leader may hold, measured from the send time of a confirmed round: the time for which
     * followers are guaranteed to refuse votes, shrunk by the worst clock-rate difference (see LeaderLease).
     */
    public long leaseDuration() {
        return (long) (electionTimeout * (1.0 - maxClockDrift));
    }
}
