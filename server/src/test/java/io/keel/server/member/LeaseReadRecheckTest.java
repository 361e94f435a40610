package io.keel.server.member;

import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.ReadMode;
import io.keel.raft.ReadState;
import io.keel.raft.Ready;
import io.keel.raft.Role;
import io.keel.raft.log.MemoryStorage;
import io.keel.storage.mvcc.MvccStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The re-check after a lease read (ReadState's contract; issue 10 E): the lease can end while the read executes
 * (a leadership transfer starts, the member steps down, the VM was suspended), and an answer executed after that
 * could miss a newer leader's write. Reads discards it and asks Raft again. Without the re-check in
 * Reads.execute, the first answer is returned and {@link #anAnswerExecutedAfterTheLeaseEndedIsDiscarded} fails.
 */
class LeaseReadRecheckTest {
    private static final long MS = 1_000_000;

    /** A single-member node in LEASE mode, elected and holding its lease, driven by hand. */
    private static final class LeaseLeader {
        final MemoryStorage disk = MemoryStorage.bootstrap(1);
        final RaftNode node = new RaftNode(RaftConfig.defaults(1).withReadMode(ReadMode.LEASE), disk, 0);
        long now;
        final List<ReadState> answers = new ArrayList<>();

        LeaseLeader() {
            for (int i = 0; i < 100 && !(node.role() == Role.LEADER && node.leaseExpiresAt() > now); i++) {
                now += 100 * MS;
                node.tick(now);
                drain();
            }
            assertTrue(node.leaseExpiresAt() > now, "the single member leads and holds its lease");
        }

        void drain() {
            while (node.hasReady()) {
                Ready r = node.ready();
                if (!r.entries().isEmpty()) disk.append(r.entries());
                if (r.hardState() != null) disk.setHardState(r.hardState());
                node.persisted(r);
                if (!r.committedEntries().isEmpty()) {
                    node.applied(r.committedEntries().get(r.committedEntries().size() - 1).getIndex());
                }
                answers.addAll(r.readStates());
            }
        }
    }

    @Test
    void anAnswerExecutedAfterTheLeaseEndedIsDiscarded(@TempDir Path dir) {
        LeaseLeader leader = new LeaseLeader();
        ClockJumps clocks = ClockJumps.system();
        long term = leader.node.term();
        LeaderLeaseView held = new LeaderLeaseView(System.nanoTime() + 60_000 * MS, term, clocks.offsetNow());
        AtomicReference<LeaderLeaseView> published = new AtomicReference<>(held);
        ArrayDeque<Runnable> raftThread = new ArrayDeque<>();
        try (StoreRef store = new StoreRef(MvccStore.open(dir.resolve("store")))) {
            Reads reads = new Reads(store, Runnable::run, published::get, clocks, raftThread::add);
            reads.applied(leader.node, Long.MAX_VALUE / 2); // the store has applied everything: reads run at once
            AtomicInteger executions = new AtomicInteger();
            CompletableFuture<Integer> result = new CompletableFuture<>();
            reads.start(leader.node, s -> {
                int n = executions.incrementAndGet();
                // The first execution happens while a transfer starts: the lease ends before the read returns.
                if (n == 1) published.set(LeaderLeaseView.NONE);
                return n;
            }, result);
            leader.drain();
            assertEquals(1, leader.answers.size());
            assertTrue(leader.answers.get(0).isLeaseRead(), "answered by the lease, without a round");
            reads.answered(leader.node, leader.answers);
            assertEquals(1, executions.get());
            assertFalse(result.isDone(), "an answer executed after the lease ended must not be returned");
            assertEquals(1, raftThread.size(), "the read is asked again");

            // The lease is held again (a new round confirmed it): the read asked again is answered.
            published.set(held);
            leader.answers.clear();
            raftThread.poll().run();
            leader.drain();
            reads.answered(leader.node, leader.answers);
            assertEquals(2, result.join(), "the answer comes from the second execution");
        }
    }
}
