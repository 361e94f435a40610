package io.keel.raft;

import com.google.protobuf.ByteString;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.log.RaftLog;
import io.keel.raft.membership.Configuration;
import io.keel.raft.progress.ProgressTracker;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The at-most-once rule for proposals other members forwarded here, on {@link ForwardedProposals} with the real
 * {@link LeadershipTransfer} and {@link Outbox} of member 1 in a cluster of three: each forwarded entry is appended
 * through the leader's own proposal path by a leader not handing over, or passed on once to the leader this member
 * knows, or held (during a transfer, or with no leader known) until one of those, or dropped after two election
 * timeouts; never both, never twice (a forward is not idempotent: handed on twice it could apply twice).
 */
class ForwardedProposalsTest {
    private static final RaftConfig CONFIG = RaftConfig.defaults(1);
    private static final long TIMEOUT = CONFIG.electionTimeout();

    private final long[] term = {5};
    private final Outbox outbox = new Outbox(1, () -> term[0]);
    private final LeadershipTransfer transfer;
    /** What went into the leader's own proposal path, in order. */
    private final List<String> proposed = new ArrayList<>();
    private final ForwardedProposals forwarded;

    ForwardedProposalsTest() {
        MemoryStorage storage = MemoryStorage.bootstrap(1, 2, 3);
        RaftLog log = new RaftLog(storage, 1, 0);
        ProgressTracker tracker = new ProgressTracker(Configuration.fromConfState(
                ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build()), 8, 0);
        tracker.setConfiguration(tracker.configuration(), log.lastIndex() + 1);
        transfer = new LeadershipTransfer(1, CONFIG, log, tracker, outbox,
                new Replicator(1, CONFIG, log, tracker, outbox));
        forwarded = new ForwardedProposals(CONFIG, outbox, transfer, data -> proposed.add(data.toStringUtf8()));
    }

    private static Message propose(String... writes) {
        Message.Builder m = Message.newBuilder().setType(MessageType.MSG_PROPOSE).setFrom(3).setTo(1).setTerm(5);
        for (String w : writes) {
            m.addEntries(Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setData(ByteString.copyFromUtf8(w)));
        }
        return m.build();
    }

    /** The entries this member forwarded since the last call, as "to:write", in order. */
    private List<String> forwardedSinceLastLook() {
        List<String> out = new ArrayList<>();
        for (Message m : outbox.takeMessages()) {
            if (m.getType() != MessageType.MSG_PROPOSE) continue;
            for (Entry e : m.getEntriesList()) out.add(m.getTo() + ":" + e.getData().toStringUtf8());
        }
        return out;
    }

    private void startTransferTo(long member) {
        transfer.start(member, 0, 1);
        outbox.takeMessages(); // the transfer's own append or TimeoutNow
    }

    @Test
    void aLeaderNotHandingOverAppendsForwardsThroughItsOwnProposalPathOnceAndPassesNothingOn() {
        Message conf = Message.newBuilder(propose("a")).addEntries(Entry.newBuilder()
                .setType(EntryType.ENTRY_CONF_CHANGE).setData(ByteString.copyFromUtf8("conf"))).build();
        forwarded.arrivedAtLeader(conf, 0);
        forwarded.arrivedAtLeader(propose("b", "c"), 0);
        forwarded.releaseHeld(Role.LEADER, 1, 10 * TIMEOUT);

        // A membership change is proposed at the leader only (one change at a time, thesis 4.1): never forwarded.
        assertEquals(List.of("a", "b", "c"), proposed);
        assertEquals(List.of(), forwardedSinceLastLook());
    }

    @Test
    void aLeaderHandingOverHoldsForwardsAndAppendsThemOnlyOnceTheTransferEnds() {
        startTransferTo(2);
        forwarded.arrivedAtLeader(propose("a", "b"), 0);
        forwarded.releaseHeld(Role.LEADER, 1, 1);
        assertEquals(List.of(), proposed, "nothing is appended while a transfer runs (thesis 3.10)");

        transfer.clear(); // the transfer was given up: this member leads on
        forwarded.releaseHeld(Role.LEADER, 1, 2);
        forwarded.releaseHeld(Role.LEADER, 1, 3);
        assertEquals(List.of("a", "b"), proposed);
        assertEquals(List.of(), forwardedSinceLastLook());
    }

    @Test
    void aLeaderThatSteppedDownInItsTransferPassesWhatItHeldToTheNewLeaderOnce() {
        startTransferTo(2);
        forwarded.arrivedAtLeader(propose("a"), 0);
        transfer.clear(); // stepped down: it learns of member 2 as leader
        forwarded.releaseHeld(Role.FOLLOWER, 2, 1);
        forwarded.releaseHeld(Role.FOLLOWER, 2, 2);

        assertEquals(List.of("2:a"), forwardedSinceLastLook());
        assertEquals(List.of(), proposed);
    }

    @Test
    void aFollowerThatKnowsTheLeaderPassesForwardsOnOnceAndAppendsNothing() {
        forwarded.arrivedAtNonLeader(propose("a", "b"), Role.FOLLOWER, 2, 0);
        forwarded.releaseHeld(Role.FOLLOWER, 2, 1);

        assertEquals(List.of("2:a", "2:b"), forwardedSinceLastLook());
        assertEquals(List.of(), proposed);
    }

    @Test
    void aMemberThatKnowsNoLeaderHoldsForwardsAndHandsThemOnOnceToTheLeaderItLearnsOf() {
        forwarded.arrivedAtNonLeader(propose("a"), Role.FOLLOWER, 0, 0);
        forwarded.arrivedAtNonLeader(propose("b"), Role.CANDIDATE, 0, 1);
        forwarded.arrivedAtNonLeader(propose("c"), Role.PRE_CANDIDATE, 0, 2);
        forwarded.releaseHeld(Role.CANDIDATE, 0, 3);
        assertEquals(List.of(), forwardedSinceLastLook(), "held while no leader is known");

        forwarded.releaseHeld(Role.FOLLOWER, 3, 4);
        forwarded.releaseHeld(Role.FOLLOWER, 3, 5);
        forwarded.releaseHeld(Role.LEADER, 1, 6); // even if it led afterwards: nothing is left to append
        assertEquals(List.of("3:a", "3:b", "3:c"), forwardedSinceLastLook());
        assertEquals(List.of(), proposed);
    }

    @Test
    void aMemberThatLeadsNextAppendsWhatItHeldWithoutALeaderOnce() {
        forwarded.arrivedAtNonLeader(propose("a"), Role.CANDIDATE, 0, 0);
        forwarded.releaseHeld(Role.LEADER, 1, 1);
        forwarded.releaseHeld(Role.LEADER, 1, 2);

        assertEquals(List.of("a"), proposed);
        assertEquals(List.of(), forwardedSinceLastLook());
    }

    @Test
    void whatWasHeldTwoElectionTimeoutsIsDroppedAndNeverHandedOnAfterwards() {
        forwarded.arrivedAtNonLeader(propose("a"), Role.CANDIDATE, 0, 0);
        forwarded.arrivedAtNonLeader(propose("b"), Role.CANDIDATE, 0, TIMEOUT);
        forwarded.releaseHeld(Role.CANDIDATE, 0, 2 * TIMEOUT - 1);
        forwarded.releaseHeld(Role.FOLLOWER, 2, 2 * TIMEOUT - 1);
        assertEquals(List.of("2:a", "2:b"), forwardedSinceLastLook(), "kept until two election timeouts");

        forwarded.arrivedAtNonLeader(propose("c"), Role.CANDIDATE, 0, 3 * TIMEOUT);
        forwarded.releaseHeld(Role.CANDIDATE, 0, 5 * TIMEOUT); // two timeouts after it arrived: dropped
        forwarded.releaseHeld(Role.FOLLOWER, 2, 5 * TIMEOUT + 1);
        forwarded.releaseHeld(Role.LEADER, 1, 5 * TIMEOUT + 2);
        assertEquals(List.of(), forwardedSinceLastLook());
        assertEquals(List.of(), proposed);
    }
}
