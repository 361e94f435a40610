package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftConfig;
import io.keel.raft.RaftNode;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.WriteOptions;
import io.keel.server.Poll;
import io.keel.server.RequestTimeoutException;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower's forwarded writes, as the member makes them (each with its {@link RequestTimer} as the runtime's
 * completion): answered when their tagged entry applies here, failed at their deadline when the leader dropped them,
 * and sent again to a new leader only when they may apply twice. Member 1 of {1, 2, 3} on a raft thread that ticks
 * once an hour (only the test ticks it), following leader 2.
 */
class ForwardedProposalsTest {
    private static final Duration LONG = Duration.ofMinutes(1);

    private LoopRuntime member;

    @BeforeEach
    void start() {
        MemoryStorage disk = MemoryStorage.bootstrap(1, 2, 3);
        RaftNode node = new RaftNode(RaftConfig.defaults(1), disk, System.nanoTime());
        member = new LoopRuntime(node, Duration.ofHours(1).toNanos(), LoopRuntime.memoryLog(disk),
                new MonotonicClock(ClockJumps.system(), 1));
        step(append(2, 2, 1, List.of(), 1));
        Poll.until("member 1 follows leader 2", () -> member.loop.softState().leaderId() == 2);
    }

    @AfterEach
    void stop() {
        member.close();
    }

    @Test
    void aForwardedWriteCompletesWhenItsEntryAppliesAndLeavesNothingBehind() throws Exception {
        CompletableFuture<Response> write = new CompletableFuture<>();
        assertEquals(MemberRuntime.Admission.FORWARDED, forward("put a", WriteOptions.FORWARD, write, LONG));
        String tagged = sentTo(2, 1).get(0);
        // Another member's write with the same request id applies first: not ours.
        step(append(2, 2, 1, List.of(entry(2, 2, "put b from 3/1")), 2));
        Poll.until("the other write applies", () -> member.machine.applied.contains("put b from 3/1"));
        assertFalse(write.isDone());

        step(append(2, 2, 2, List.of(entry(3, 2, tagged)), 3));
        assertEquals(new PutResponse(3, null), write.get(60, TimeUnit.SECONDS), "answered with its entry's outcome");
        assertEquals(0, member.onRaft(member.runtime::pendingRequests), "nothing of it is left behind");
    }

    @Test
    void aForwardTheLeaderDroppedFailsWithAnUnknownOutcomeAtTheRequestsDeadline() throws Exception {
        CompletableFuture<Response> write = new CompletableFuture<>();
        assertEquals(MemberRuntime.Admission.FORWARDED, forward("put c", WriteOptions.FORWARD, write,
                Duration.ofMillis(50)));
        // The request's one timer ends the forward too.
        ExecutionException e = assertThrows(ExecutionException.class, () -> write.get(60, TimeUnit.SECONDS));
        assertInstanceOf(RequestTimeoutException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("may still apply"), e.getCause().getMessage());
        assertEquals(0, member.onRaft(() -> {
            member.runtime.tick();
            return member.runtime.pendingRequests();
        }), "the runtime forgets the ended write at its next tick");
        // Applied late after all: nobody to tell, and no harm.
        step(append(2, 2, 1, List.of(entry(2, 2, sentTo(2, 1).get(0))), 2));
        Poll.until("the late write applies", () -> member.machine.applied.size() == 1);
        assertFalse(member.runtime.stopped());
    }

    @Test
    void onlyWritesThatMayApplyTwiceAreForwardedAgainToANewLeader() throws Exception {
        CompletableFuture<Response> keepAlive = new CompletableFuture<>();
        CompletableFuture<Response> put = new CompletableFuture<>();
        forward("renew lease 5", new WriteOptions(true, true), keepAlive, LONG);
        forward("put d", WriteOptions.FORWARD, put, LONG);
        sentTo(2, 2);
        // Member 3 leads term 3: leader 2 may have dropped what it was sent.
        step(append(3, 3, 1, List.of(), 1));
        List<String> resent = sentTo(3, 1);
        // The runtime resends while it hands out the Ready naming the new leader: one more task, and all is sent.
        member.onRaft(() -> null);
        assertEquals(resent, forwardedTo(3), "a put must apply at most once");
        assertTrue(resent.get(0).startsWith("renew lease 5 from 1/"), resent.get(0));
    }

    private MemberRuntime.Admission forward(String data, WriteOptions options, CompletableFuture<Response> result,
                                            Duration deadline) {
        RequestTimer timer = RequestTimer.arm(result, RequestDeadline.after(deadline), 1);
        return member.onRaft(() -> member.runtime.propose(ByteString.copyFromUtf8(data), options, Long.MAX_VALUE,
                timer));
    }

    /** Once {@code count} writes were forwarded to {@code leader} (a batch sends them at its end): their data. */
    private List<String> sentTo(long leader, int count) {
        Poll.until(count + " write(s) forwarded to member " + leader, () -> forwardedTo(leader).size() >= count);
        return forwardedTo(leader);
    }

    /** The data of every write forwarded to {@code leader} so far, tags included. */
    private List<String> forwardedTo(long leader) {
        return member.sent.stream().map(LoopRuntime.Sent::message)
                .filter(m -> m.getType() == MessageType.MSG_PROPOSE && m.getTo() == leader)
                .flatMap(m -> m.getEntriesList().stream()).map(e -> e.getData().toStringUtf8()).toList();
    }

    private void step(Message m) {
        member.loop.execute(() -> member.runtime.step(m));
    }

    /** An append from {@code leader} in {@code term}: entries after (prevIndex, term 1 or the leader's). */
    private static Message append(long leader, long term, long prevIndex, List<Entry> entries, long commit) {
        long prevTerm = prevIndex <= 1 ? 1 : term;
        return Message.newBuilder().setType(MessageType.MSG_APPEND).setFrom(leader).setTo(1).setTerm(term)
                .setIndex(prevIndex).setLogTerm(prevTerm).setCommit(commit).addAllEntries(entries).build();
    }

    private static Entry entry(long index, long term, String data) {
        return Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.ENTRY_NORMAL)
                .setData(ByteString.copyFromUtf8(data)).build();
    }
}
