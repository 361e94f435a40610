package io.keel.raft;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;

import java.util.function.Consumer;

/**
 * Proposals other members forwarded here (MSG_PROPOSE, etcd's MsgProp): appended at a leader as if proposed here,
 * passed on by a member that does not lead, or held ({@link HeldForwards}) while neither is possible, and handed on
 * once it is. A forward is never answered: only the committed log tells its origin whether the write applied, so
 * dropping one costs that origin its request timeout, never correctness.
 *
 * <p>Only normal entries: membership changes are proposed at the leader, so the one-change-at-a-time check (thesis
 * §4.1) sees every one of them. Never appended at a member that does not lead: only a leader's log grows by
 * proposals (thesis §3.5).
 */
final class ForwardedProposals {
    private static final long NONE = 0;

    private final RaftConfig config;
    private final Outbox outbox;
    private final LeadershipTransfer transfer;
    /**
     * The leader's own proposal path for a normal entry, with its usual refusals (a refused entry is dropped: the
     * follower times out). Forwards take exactly this path, so Raft's rules for them are the leader's own.
     */
    private final Consumer<ByteString> proposeIfAdmitted;
    /** Forwards this member could not append or pass on yet. */
    private final HeldForwards held;

    ForwardedProposals(RaftConfig config, Outbox outbox, LeadershipTransfer transfer,
                       Consumer<ByteString> proposeIfAdmitted) {
        this.config = config;
        this.outbox = outbox;
        this.transfer = transfer;
        this.proposeIfAdmitted = proposeIfAdmitted;
        // Two election timeouts: a transfer ends within one (it is given up then), an election usually in another.
        this.held = new HeldForwards(config.maxUncommittedBytes(), 2 * config.electionTimeout());
    }

    /**
     * A follower's forwarded proposals reached this leader: appended as if proposed here; held while leadership is
     * being transferred (a leader appends nothing then, so the target can catch up; thesis §3.10).
     */
    void arrivedAtLeader(Message m, long now) {
        for (Entry e : m.getEntriesList()) {
            if (e.getType() != EntryType.ENTRY_NORMAL) continue;
            if (transfer.handingOver()) {
                held.hold(e, now);
                continue;
            }
            proposeIfAdmitted.accept(e.getData());
        }
    }

    /**
     * Forwarded proposals that reached a member that does not lead (the sender's view of the leader was stale, or
     * this member just stepped down in a transfer): passed on to the leader it knows, as etcd's raft does, or held
     * until it knows one.
     */
    void arrivedAtNonLeader(Message m, Role role, long leaderId, long now) {
        for (Entry e : m.getEntriesList()) {
            if (e.getType() != EntryType.ENTRY_NORMAL) continue;
            if (role == Role.FOLLOWER && leaderId != NONE) {
                outbox.forward(leaderId, e, config.maxMessageBytes());
            } else {
                held.hold(e, now);
            }
        }
    }

    /**
     * Hands held forwards on once this member can (called after every input that may have changed its role,
     * leader or transfer): a leader with no transfer appends them, subject to its usual refusals; a follower that
     * knows the leader forwards them there; what waited two election timeouts is dropped.
     *
     * <p>Safety: each held entry is handed on at most once ({@link HeldForwards#take} empties the hold) and only
     * to one of: this leader's log through its own proposal path, so Raft's rules are untouched (in particular
     * nothing is appended while a transfer runs); or one MSG_PROPOSE to the leader it knows. The transport delivers
     * a MSG_PROPOSE at most once (docs/architecture.md, Forwarding), so no entry can be appended twice, which a
     * forward that is not idempotent must never be. Passing on cannot cycle forever: a member forwards only to the
     * member it heard lead its current term; that member, if it no longer leads that term, knows no leader of it
     * (one leader per term) and passes the entry on only once it is in a later term. So each hop after the first
     * goes to the leader of a strictly later term.
     */
    void releaseHeld(Role role, long leaderId, long now) {
        if (held.isEmpty()) return;
        if (role == Role.LEADER && !transfer.handingOver()) {
            for (Entry e : held.take()) proposeIfAdmitted.accept(e.getData());
        } else if (role == Role.FOLLOWER && leaderId != NONE) {
            for (Entry e : held.take()) outbox.forward(leaderId, e, config.maxMessageBytes());
        } else if (held.expired(now)) {
            held.take(); // given up: their origins time out, as for a dropped forward
        }
    }
}
