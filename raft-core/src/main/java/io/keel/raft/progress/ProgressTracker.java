package io.keel.raft.progress;

import io.keel.raft.membership.Configuration;
import io.keel.raft.quorum.MajorityQuorum;
import io.keel.raft.quorum.VoteResult;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration in force, each member's replication progress and the votes of the current election.
 * Quorum questions (what is committed, who won, is a quorum alive, which round is confirmed) are answered here,
 * always against the full, possibly joint, configuration.
 */
public final class ProgressTracker {
    private final int maxInflight;
    private final long maxInflightBytes;
    private Configuration configuration;
    private final Map<Long, Progress> progress = new TreeMap<>();
    private final Map<Long, Boolean> votes = new HashMap<>();

    public ProgressTracker(Configuration configuration, int maxInflight, long maxInflightBytes) {
        this.maxInflight = maxInflight;
        this.maxInflightBytes = maxInflightBytes;
        this.configuration = configuration;
    }

    public Configuration configuration() {
        return configuration;
    }

    /** Switches to a new configuration; members new to it start probing from {@code nextIndex}. */
    public void setConfiguration(Configuration next, long nextIndex) {
        setConfiguration(next, nextIndex, 0);
    }

    /**
     * As {@link #setConfiguration(Configuration, long)} at a leader whose clock reads {@code now}: a member added now
     * counts as heard from now, so check-quorum gives it one full election timeout to answer before counting it
     * silent (etcd marks a new progress RecentActive for the same reason). Without this a leader whose quorum
     * needs the new member (voters {2, 7} become {2, 11}: add 11, remove 7) stepped down at its next tick, before
     * 11 could have heard anything; 11, empty, does not find itself in any configuration and refuses every vote, so
     * no leader could ever be elected again (simulation seed 23745, scenario 39).
     */
    public void setConfiguration(Configuration next, long nextIndex, long now) {
        this.configuration = next;
        progress.keySet().retainAll(next.members());
        for (long id : next.members()) {
            progress.computeIfAbsent(id, k -> {
                Progress p = new Progress(nextIndex, maxInflight, maxInflightBytes);
                p.heardAt(now);
                return p;
            });
        }
    }

    /** Forgets all progress (a new leader knows nothing of its followers yet). */
    public void resetProgress(long nextIndex) {
        progress.clear();
        for (long id : configuration.members()) {
            progress.put(id, new Progress(nextIndex, maxInflight, maxInflightBytes));
        }
    }

    public Progress get(long id) {
        return progress.get(id);
    }

    public Map<Long, Progress> all() {
        return Collections.unmodifiableMap(progress);
    }

    /** The highest index replicated on a quorum (thesis §3.6): the commit candidate. */
    public long committedIndex() {
        return configuration.voters().quorumValue(id -> matchOf(id));
    }

    /** The highest confirmation round answered by a quorum. */
    public long quorumRound() {
        return configuration.voters().quorumValue(id -> {
            Progress p = progress.get(id);
            return p == null ? 0 : p.roundAcked();
        });
    }

    /** The highest commit index a quorum of voters reported knowing (their answers carry it). */
    public long quorumCommitReported() {
        return configuration.voters().quorumValue(id -> {
            Progress p = progress.get(id);
            return p == null ? 0 : p.commitReported();
        });
    }

    private long matchOf(long id) {
        Progress p = progress.get(id);
        return p == null ? 0 : p.match();
    }

    /**
     * Whether a quorum (counting {@code self}) has been heard from within {@code window} before {@code now}:
     * check-quorum (thesis §6.2).
     */
    public boolean quorumActive(long self, long now, long window) {
        return configuration.voters().voteResult(id -> {
            if (id == self) return MajorityQuorum.Vote.GRANTED;
            Progress p = progress.get(id);
            return p != null && now - p.lastHeardAt() < window ? MajorityQuorum.Vote.GRANTED : MajorityQuorum.Vote.REJECTED;
        }) == VoteResult.WON;
    }

    /** A new leader gives every member a full window before it counts them as silent. */
    public void heardFromAll(long now) {
        progress.values().forEach(p -> p.heardAt(now));
    }

    public void resetVotes() {
        votes.clear();
    }

    /** Records a vote; only the first answer of each voter counts. */
    public void recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
    }

    public VoteResult tallyVotes() {
        return configuration.voters().voteResult(id -> {
            Boolean v = votes.get(id);
            if (v == null) return MajorityQuorum.Vote.MISSING;
            return v ? MajorityQuorum.Vote.GRANTED : MajorityQuorum.Vote.REJECTED;
        });
    }
}
