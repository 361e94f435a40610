package io.keel.raft;

import io.keel.raft.log.CompactedException;
import io.keel.raft.log.EntrySizes;
import io.keel.raft.log.RaftLog;
import io.keel.raft.progress.Progress;
import io.keel.raft.progress.ProgressState;
import io.keel.raft.progress.ProgressTracker;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.proto.SnapshotMetadata;

import java.util.List;

/**
 * The leader's sending side of log replication (thesis §3.5): what to send each follower given its progress,
 * and how acknowledgements, rejections and heartbeat answers move that progress. Deciding what is committed is
 * not its job (RaftNode does that with the quorum); every message carries the current confirmation round.
 */
final class Replicator {
    private final long self;
    private final RaftConfig config;
    private final RaftLog log;
    private final ProgressTracker tracker;
    private final Outbox outbox;

    Replicator(long self, RaftConfig config, RaftLog log, ProgressTracker tracker, Outbox outbox) {
        this.self = self;
        this.config = config;
        this.log = log;
        this.tracker = tracker;
        this.outbox = outbox;
    }

    /** One append per follower; with {@code withCommit} even an empty one, to carry a new commit index. */
    void broadcastAppend(boolean withCommit, long round) {
        for (long to : tracker.all().keySet()) {
            if (to != self) sendAppend(to, withCommit, round);
        }
    }

    void broadcastHeartbeat(long round) {
        for (var e : tracker.all().entrySet()) {
            long to = e.getKey();
            if (to == self) continue;
            // The commit index is capped at what the follower is known to hold, so it never commits an entry it
            // has not verified against the leader's log: a heartbeat carries no (prev index, term) check, and a
            // follower's divergent suffix would otherwise be marked committed (thesis Figure 3.1, AppendEntries
            // step 5, commits only up to the last entry verified; etcd's sendHeartbeat caps it the same way).
            outbox.send(outbox.message(to, MessageType.MSG_HEARTBEAT).setRound(round)
                    .setCommit(Math.min(e.getValue().match(), log.committed())).build());
        }
    }

    /**
     * Sends the next append to {@code to} if its progress allows. Returns whether a message was sent.
     * With {@code sendIfEmpty}, an append without entries still goes out (to carry the commit index or probe).
     */
    boolean sendAppend(long to, boolean sendIfEmpty, long round) {
        Progress p = tracker.get(to);
        if (p == null || p.isPaused()) return false;
        long prevIndex = p.next() - 1;
        long prevTerm;
        List<Entry> entries;
        try {
            prevTerm = log.term(prevIndex);
            entries = log.entriesFrom(p.next(), config.maxMessageBytes());
        } catch (CompactedException e) {
            return sendSnapshot(to, p);
        }
        // In PROBE the message itself is the point: its acceptance or rejection says where the logs agree.
        if (entries.isEmpty() && !sendIfEmpty && p.state() != ProgressState.PROBE) return false;
        long bytes = EntrySizes.payload(entries);
        outbox.send(outbox.message(to, MessageType.MSG_APPEND).setIndex(prevIndex).setLogTerm(prevTerm)
                .addAllEntries(entries).setCommit(log.committed()).setRound(round).build());
        p.sentAppend(entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).getIndex(), bytes, !entries.isEmpty());
        return true;
    }

    /** Sends everything the follower's window allows (keeps the pipe full after an acknowledgement). */
    void fillPipe(long to, long round) {
        Progress p = tracker.get(to);
        while (sendAppend(to, false, round)) {
            if (p.state() != ProgressState.REPLICATE) break;
        }
    }

    /** The follower needs entries already compacted: it gets the latest snapshot (thesis §5.2). */
    private boolean sendSnapshot(long to, Progress p) {
        SnapshotMetadata snap = log.storageSnapshot();
        if (snap.getIndex() < p.next() - 1 || snap.getIndex() == 0) {
            // The compacted prefix is covered by a snapshot that is not yet durable here: try again later.
            return false;
        }
        outbox.send(outbox.message(to, MessageType.MSG_SNAPSHOT).setSnapshot(snap).build());
        p.becomeSnapshot(snap.getIndex());
        return true;
    }

    /** The follower refused an append: step back to where the logs may agree and probe again. */
    void onRejection(Message m, Progress p, long round) {
        long nextProbe = m.getRejectHint();
        if (m.getRejectHintTerm() > 0) {
            // Skip the follower's whole conflicting term in one round trip (thesis §5.3 optimisation).
            nextProbe = log.findConflictByTerm(m.getRejectHint(), m.getRejectHintTerm())[0];
        }
        if (p.rejected(m.getIndex(), nextProbe)) {
            sendAppend(m.getFrom(), true, round);
        }
    }

    /** The follower holds the log up to m.index. Returns whether its match advanced (a stale ack changes nothing). */
    boolean onAck(Message m, Progress p) {
        if (!p.acknowledge(m.getIndex())) {
            return false;
        }
        switch (p.state()) {
            case PROBE -> p.becomeReplicate();
            case SNAPSHOT -> {
                if (p.match() >= p.pendingSnapshot()) p.becomeReplicate();
            }
            case REPLICATE -> { }
        }
        return true;
    }

    /** The follower answered a heartbeat: it is alive, so a lost probe or lost appends must not stall it. */
    void onHeartbeatAnswer(long from, Progress p, long round) {
        if (p.state() == ProgressState.PROBE) {
            p.resumeProbe();
        } else if (p.replicationStalled()) {
            // The follower is alive but the appends in flight went unanswered for a heartbeat interval: they were
            // probably lost (a dropped message, a follower restart). Probe from the last known match instead of
            // waiting for ever; a duplicate append is harmless.
            p.becomeProbe();
        }
        if (p.match() < log.lastIndex()) sendAppend(from, false, round);
    }
}
