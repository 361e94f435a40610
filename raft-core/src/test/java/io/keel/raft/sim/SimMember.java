package io.keel.raft.sim;

import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Ready;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.ConfState;
import io.keel.raft.runtime.MemberRuntime;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One simulated member. The storage (and the snapshot data beside it) is its disk and survives a crash;
 * everything else is process memory and is lost with it.
 */
final class SimMember {
    final long id;
    final double clockRate;
    final long clockOffset;

    // The disk.
    final MemoryStorage storage;
    KvMachine durableSnapshotData = new KvMachine();

    // The process.
    boolean up;
    boolean decommissioned;
    /** A paused process (SIGSTOP, a long GC) handles nothing until then; its messages wait in the socket. */
    long pausedUntil;
    /** A busy raft thread: no tick before then, while messages are still handled at the last tick's clock. */
    long ticksLateUntil;
    int epoch;
    RaftNode node;
    KvMachine machine;
    long appliedIndex;
    /** Up to where this member's committed entries have been checked against everyone else's. */
    long checkedCommit;
    ConfState confState = ConfState.getDefaultInstance();
    /** The disk's write queue: Readys handed to the log, not yet durable. */
    final ArrayDeque<Ready> diskQueue = new ArrayDeque<>();
    long diskFreeAt;
    long diskStalledUntil;
    final Map<Long, KvMachine> receivedSnapshots = new HashMap<>();
    /** Snapshots installed in the state machine whose Ready is not yet written, by index (the log writes them). */
    final Map<Long, KvMachine> installedSnapshots = new HashMap<>();
    /** The member runtime driving the node: the process's pipeline, lost with it. */
    MemberRuntime<Applied> runtime;

    /** One applied entry's result: whether it took effect (a CAS's comparison) and where. */
    record Applied(boolean effect, long index) {
    }

    SimMember(long id, double clockRate, long clockOffset, MemoryStorage storage) {
        this.id = id;
        this.clockRate = clockRate;
        this.clockOffset = clockOffset;
        this.storage = storage;
    }

    /** This member's monotonic clock reading at real (simulated) time t: rates differ within the drift bound. */
    long localTime(long realTime) {
        return clockOffset + (long) (realTime * clockRate);
    }

    /** The real time at which this member's clock reads {@code local}. */
    long realTimeOf(long local) {
        return (long) Math.ceil((local - clockOffset) / clockRate);
    }

    /** Starts the process from what is on disk. */
    void start(RaftConfig config, long realNow) {
        machine = durableSnapshotData.copy();
        appliedIndex = storage.snapshotMetadata().getIndex();
        checkedCommit = 0;
        confState = storage.snapshotMetadata().getConfState();
        node = new RaftNode(config.withApplied(appliedIndex), storage, localTime(realNow));
        up = true;
        epoch++;
        diskQueue.clear();
        diskFreeAt = realNow;
        receivedSnapshots.clear();
        installedSnapshots.clear();
    }

    void crash() {
        up = false;
        epoch++;
        node = null;
        runtime = null;
        machine = null;
        diskQueue.clear();
    }
}
