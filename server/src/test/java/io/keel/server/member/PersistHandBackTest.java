package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.Role;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.runtime.WriteOptions;
import io.keel.server.Poll;
import io.keel.storage.log.GroupCommitLog;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.api.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the member runtime, on the server's stages, wakes the raft thread to hand a durable write back, and when the
 * hand-back rides on the thread's next wake-up ({@link RaftLoop#executeDeferred}). Real parts: a RocksDB log behind
 * the group commit log ({@link GroupCommitLogStore}, fsyncs included) and a raft thread that ticks once an hour, so
 * a hand-back wrongly deferred is never rescued by a tick and the poll for it times out. The polls read what the
 * raft thread publishes (its soft state) or what the apply stage did, never asking the raft thread itself: a
 * question would wake it.
 */
class PersistHandBackTest {
    private static final long CLUSTER = 7;
    private static final long TERM = 2;
    private static final long HOUR = Duration.ofHours(1).toNanos();

    @TempDir
    Path dir;

    private RocksLogStorage storage;
    private GroupCommitLog log;
    private LoopRuntime member;

    /** Member 1 of {@code voters}, its node's election timer started an hour ago, on the hourly raft thread. */
    private void start(long... voters) {
        storage = RocksLogStorage.bootstrap(dir, CLUSTER, 1, voters); // index 1: the bootstrap configuration
        log = new GroupCommitLog(storage);
        RaftNode node = new RaftNode(RaftConfig.defaults(1), storage, System.nanoTime() - HOUR);
        member = new LoopRuntime(node, HOUR, new GroupCommitLogStore(log, MemberObserver.NONE),
                new MonotonicClock(ClockJumps.system(), 1));
    }

    @AfterEach
    void stop() {
        member.close();
        log.close();
        storage.close();
    }

    @Test
    void aCandidatesAndALeadersWritesAreHandedBackAtOnce() throws Exception {
        start(1);
        // Ticked by hand until the single member campaigns; then no more ticks. Its vote counts once durable, its
        // first entry commits once durable: each hand-back must wake the raft thread, nothing else will for an hour.
        Poll.until("the member campaigns", () -> {
            boolean campaigning = member.loop.softState().role() != Role.FOLLOWER;
            if (!campaigning) member.loop.execute(member.runtime::tick);
            return campaigning;
        });
        Poll.until("the member elects itself", () -> member.loop.softState().role() == Role.LEADER);
        CompletableFuture<Response> put = new CompletableFuture<>();
        RequestTimer timer = RequestTimer.arm(put, RequestDeadline.after(Duration.ofMinutes(1)), 1);
        member.loop.execute(() -> member.runtime.propose(ByteString.copyFromUtf8("put a"), WriteOptions.LEADER_ONLY,
                Long.MAX_VALUE, timer));
        put.get(60, TimeUnit.SECONDS); // answered once applied: its durable write was handed back at once
        assertEquals(List.of("put a"), member.machine.applied);
    }

    @Test
    void aFollowersWriteCarryingACommitIsHandedBackAtOnce() {
        start(1, 2, 3);
        for (long index = 2; index < 2 + WRITES; index++) {
            String put = "put b" + index;
            long prev = index - 1;
            long commit = index;
            member.loop.execute(() -> member.runtime.step(append(prev, List.of(entry(commit, put)), commit)));
            // The commit index passed what was handed to apply: the entries go to apply only once durable here.
            Poll.until("the committed entry applies", () -> member.machine.applied.contains(put));
        }
        assertAcknowledgedFromTheSyncThread();
    }

    @Test
    void aFollowersWriteNobodyWaitsForIsHandedBackBeforeTheNextTaskTheRaftThreadWakesFor() {
        start(1, 2, 3);
        for (long index = 2; index < 2 + WRITES; index++) {
            long prev = index - 1;
            long at = index;
            member.loop.execute(() -> member.runtime.step(append(prev, List.of(entry(at, "put c" + at)), 1)));
            // Nothing committed: the acknowledgement leaves from the sync thread, the hand-back waits for a wake-up.
            Poll.until("the write is acknowledged", () -> member.sent.stream().anyMatch(s -> isAck(s.message(), at)));
        }
        assertAcknowledgedFromTheSyncThread();
        assertEquals(0, member.onRaft(member.runtime::persistsInFlight),
                "the deferred hand-back ran before the task that woke the raft thread");
    }

    /** Appends each test makes, one after another. */
    private static final int WRITES = 5;

    /**
     * The persist completion is direct (ServerStages): an acknowledgement leaves from the thread that saw its write
     * become durable, the sync thread, with no hand-off to the raft thread. One may leave from the raft thread
     * itself when the sync thread finished the write before the raft thread attached its completion (a loaded
     * machine descheduled it in between; CompletableFuture then runs the completion on the attaching thread): so
     * never from any other thread, and from the sync thread at least once in {@link #WRITES}.
     */
    private void assertAcknowledgedFromTheSyncThread() {
        List<String> threads = new java.util.ArrayList<>();
        for (long index = 2; index < 2 + WRITES; index++) threads.add(acknowledged(index).thread());
        assertTrue(threads.stream().allMatch(t -> t.startsWith("keel-log-sync") || t.startsWith("keel-raft")),
                "acknowledgements from the sync thread (or the raft thread in a race): " + threads);
        assertTrue(threads.stream().anyMatch(t -> t.startsWith("keel-log-sync")),
                "acknowledgements from the sync thread: " + threads);
    }

    private LoopRuntime.Sent acknowledged(long index) {
        return member.sent.stream().filter(s -> isAck(s.message(), index)).findFirst().orElseThrow();
    }

    private static boolean isAck(Message m, long index) {
        return m.getType() == MessageType.MSG_APPEND_RESPONSE && !m.getReject() && m.getIndex() == index;
    }

    /** An append from leader 2 in {@link #TERM}: entries after {@code prevIndex} (1: the bootstrap entry, of term 1; later ones of this term), and a commit index. */
    private static Message append(long prevIndex, List<Entry> entries, long commit) {
        return Message.newBuilder().setType(MessageType.MSG_APPEND).setFrom(2).setTo(1).setTerm(TERM)
                .setIndex(prevIndex).setLogTerm(prevIndex == 1 ? 1 : TERM).setCommit(commit).addAllEntries(entries).build();
    }

    private static Entry entry(long index, String data) {
        return Entry.newBuilder().setIndex(index).setTerm(TERM).setType(EntryType.ENTRY_NORMAL)
                .setData(ByteString.copyFromUtf8(data)).build();
    }
}
