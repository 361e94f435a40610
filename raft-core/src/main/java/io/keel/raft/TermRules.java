package io.keel.raft;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;

/**
 * The one place where a received message's term is compared with the member's own. Every message passes through
 * {@link #judge} before anything else looks at it; the verdict says what the term alone requires. A vote request
 * that {@link #judge} lets through asks one more question of its term: {@link #isPreVoteForLaterTerm}.
 * (Comparisons of entries' terms, such as the commit rule of thesis Figure 3.7, are the log's: RaftLog. The
 * Outbox compares only its own outgoing MSG_PROPOSE's term, to start a new one when the term changed.)
 */
final class TermRules {
    private TermRules() {
    }

    enum Verdict {
        /** Same term, or a term that must not be adopted (pre-vote): handle by type. */
        PROCEED,
        /** A newer term: become a follower in it first, then handle by type (thesis §3.3: all servers). */
        ADOPT_TERM,
        /** Drop silently. */
        IGNORE,
        /** A stale leader's append or heartbeat: answer with our term so it steps down. */
        TELL_STALE_LEADER,
        /** A stale pre-candidate: reject so it learns our term. */
        REJECT_STALE_PRE_VOTE
    }

    /**
     * @param withinLeaderLease whether this member heard from a live leader less than the minimum election
     *                          timeout ago (or is one)
     */
    static Verdict judge(long term, Message m, boolean withinLeaderLease) {
        MessageType type = m.getType();
        boolean voteRequest = type == MessageType.MSG_VOTE || type == MessageType.MSG_PRE_VOTE;
        if (m.getTerm() > term) {
            if (voteRequest && withinLeaderLease && !m.getTransfer()) {
                // The split-brain guard (thesis §4.2.3 and §6.4.1): while a leader may be relying on our last
                // acknowledgement for its lease, we must not help elect another. A transfer is exempt: the leader
                // asked for it and gave up its lease first.
                return Verdict.IGNORE;
            }
            if (type == MessageType.MSG_PRE_VOTE) {
                // A pre-vote carries the term the candidate would use; adopting it would let a member that cannot
                // win raise everyone's term, which is exactly what pre-vote exists to prevent (thesis §9.6).
                return Verdict.PROCEED;
            }
            if (type == MessageType.MSG_PRE_VOTE_RESPONSE && !m.getReject()) {
                // A granted pre-vote echoes the proposed term; it is not a newer real term.
                return Verdict.PROCEED;
            }
            return Verdict.ADOPT_TERM;
        }
        if (m.getTerm() < term) {
            if (type == MessageType.MSG_PROPOSE) {
                // A forwarded proposal is no Raft RPC: it claims nothing about logs or leadership, it carries client
                // writes that this member appends in its own term if it leads, or passes on
                // (ForwardedProposals.arrivedAtNonLeader). Its term is only what the sender knew when it sent it;
                // etcd's raft sends it without one. Dropping it here lost the writes a follower forwarded just
                // before it heard of a new term, around every election and leadership transfer, and their clients
                // waited out the whole request timeout.
                return Verdict.PROCEED;
            }
            if (type == MessageType.MSG_APPEND || type == MessageType.MSG_HEARTBEAT) {
                // With pre-vote a member may sit at a higher term that the old leader never learns from a vote;
                // telling it here lets it step down instead of keeping a follower from ever rejoining.
                return Verdict.TELL_STALE_LEADER;
            }
            if (type == MessageType.MSG_PRE_VOTE) {
                return Verdict.REJECT_STALE_PRE_VOTE;
            }
            return Verdict.IGNORE;
        }
        return Verdict.PROCEED;
    }

    /**
     * Whether {@code m} is a pre-vote for a term later than this member's. Such a pre-vote may be granted even though
     * this member voted, or knows a leader, in its own term: granting it changes no durable vote and raises no term
     * (thesis §9.6), it only says that this member would vote for that log in the next term. A pre-vote of the
     * member's own term is judged like a vote: it may compete with the leader this member knows.
     */
    static boolean isPreVoteForLaterTerm(long term, Message m) {
        return m.getType() == MessageType.MSG_PRE_VOTE && m.getTerm() > term;
    }

    /** Messages through which only a leader of the message's term speaks. */
    static boolean fromLeader(MessageType type) {
        return type == MessageType.MSG_APPEND || type == MessageType.MSG_HEARTBEAT || type == MessageType.MSG_SNAPSHOT;
    }
}
