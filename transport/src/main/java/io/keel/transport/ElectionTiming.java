package io.keel.transport;

/**
 * The timing settings a member's Raft runs with, which every member of a cluster must share: the leader lease and
 * the followers' vote-refusal guard are both derived from them, and they only protect each other when both sides
 * use the same numbers. A leader with a longer election timeout than its followers would go on trusting its lease
 * after they have started voting for a successor (issue 10 D). The transport carries them in the handshake and
 * refuses a peer whose settings differ; it does not interpret them.
 *
 * @param heartbeatMillis       {@code --heartbeat-interval}
 * @param electionTimeoutMillis {@code --election-timeout}
 * @param maxClockDrift         the clock-drift bound the lease is shortened by (RaftConfig's maxClockDrift)
 */
public record ElectionTiming(long heartbeatMillis, long electionTimeoutMillis, double maxClockDrift) {
    /** Nothing declared: a transport used without Raft (tests). Two such members match each other. */
    public static final ElectionTiming NONE = new ElectionTiming(0, 0, 0);

    public ElectionTiming {
        if (heartbeatMillis < 0 || electionTimeoutMillis < 0 || !(maxClockDrift >= 0 && maxClockDrift < 1)) {
            throw new IllegalArgumentException("bad election timing " + heartbeatMillis + "/" + electionTimeoutMillis
                    + "/" + maxClockDrift);
        }
    }

    /** The sentence both sides log when {@code peer}'s settings differ from this member's. */
    String mismatch(long peerId, ElectionTiming peer, long localId) {
        return "member " + Texts.id(peerId) + " runs with " + peer.describe() + ", member " + Texts.id(localId)
                + " with " + describe() + ": every member must run with the same --election-timeout and"
                + " --heartbeat-interval (fix the flag on the member that differs and restart it; to change them for"
                + " the cluster, stop all members, change the flags on all, start them again)";
    }

    String describe() {
        return "--election-timeout " + electionTimeoutMillis + " ms, --heartbeat-interval " + heartbeatMillis
                + " ms, max clock drift " + maxClockDrift;
    }
}
