package io.keel.server.lease;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.server.MemberStoppedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower's forwarded keep-alives in batches, against a leader played by the test (the messages it would send):
 * one batch waits for its answer at a time and those forwarded meanwhile leave together; answers come per
 * keep-alive (at once, later, or refused); an unanswered batch times out and frees the way; a leader of a build
 * without batches gets single keep-alives.
 */
class ForwardedKeepAlivesTest {
    private static final long ME = 1;
    private static final long LEADER = 2;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Message> sent = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private ForwardedKeepAlives forwarder(long attemptTimeoutMillis) {
        return new ForwardedKeepAlives(ME, () -> 7, m -> {
            sent.add(m);
            return true;
        }, TimeUnit.MILLISECONDS.toNanos(attemptTimeoutMillis), timer, new AtomicLong(100));
    }

    /** The leader's answer to {@code batch}: request ids and TTLs, pairwise (also LeaseForwarderTest's). */
    static Message answer(long from, Message batch, long... ttls) {
        Message.Builder b = Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE_RESPONSE).setFrom(from)
                .setTo(ME).setReadId(batch.getReadId());
        for (int i = 0; i < ttls.length; i++) b.addLeaseRequestIds(batch.getLeaseRequestIds(i)).addLeaseTtls(ttls[i]);
        return b.build();
    }

    @Test
    void keepAlivesForwardedWhileABatchIsUnansweredLeaveTogetherInTheNext() throws Exception {
        ForwardedKeepAlives f = forwarder(30_000);
        CompletableFuture<Long> a = f.send(LEADER, 11);
        assertEquals(1, sent.size(), "a lone keep-alive leaves at once");
        Message first = sent.get(0);
        assertEquals(MessageType.MSG_LEASE_KEEP_ALIVE, first.getType());
        assertEquals(List.of(11L), first.getLeaseIdsList());
        assertEquals(7, first.getIndex(), "with this member's applied index");
        CompletableFuture<Long> b = f.send(LEADER, 12);
        CompletableFuture<Long> c = f.send(LEADER, 13);
        assertEquals(1, sent.size(), "the next ones wait for the leader's answer");

        f.onAnswer(answer(LEADER, first, 30));
        assertEquals(30L, a.getNow(-5L));
        assertEquals(2, sent.size(), "the answer lets the waiting ones leave, together");
        Message second = sent.get(1);
        assertEquals(List.of(12L, 13L), second.getLeaseIdsList());

        f.onAnswer(answer(LEADER, second, ForwardedKeepAlives.LATER, 0));
        assertEquals(0L, c.getNow(-5L), "no such lease");
        assertFalse(b.isDone(), "answered later");
        CompletableFuture<Long> d = f.send(LEADER, 14);
        assertEquals(3, sent.size(), "the first answer freed the way, though one keep-alive waits at the leader");
        f.onAnswer(Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE_RESPONSE).setFrom(LEADER).setTo(ME)
                .setReadId(second.getReadId()).addLeaseRequestIds(second.getLeaseRequestIds(0)).addLeaseTtls(40)
                .build());
        assertEquals(40L, b.getNow(-5L));

        f.onAnswer(answer(LEADER, sent.get(2), ForwardedKeepAlives.REFUSED));
        ExecutionException refused = assertThrows(ExecutionException.class, () -> d.get(5, TimeUnit.SECONDS));
        assertInstanceOf(NotPrimaryException.class, refused.getCause(), "refused: the forwarder retries it");
        assertEquals(3, f.batchesSent());
    }

    @Test
    void keepAlivesSentTogetherLeaveInOneBatchAndAreAnsweredByPosition() {
        ForwardedKeepAlives f = forwarder(30_000);
        RecordedAnswers burst = new RecordedAnswers();
        f.sendAll(LEADER, new long[] {11, 12, 13, 14, 0}, 4, burst);
        assertEquals(1, sent.size(), "a burst leaves at once, in one message");
        Message batch = sent.get(0);
        assertEquals(List.of(11L, 12L, 13L, 14L), batch.getLeaseIdsList(), "the first n, in order");
        assertEquals(4, batch.getLeaseRequestIdsList().stream().distinct().count(), "a request id each");

        f.onAnswer(answer(LEADER, batch, 30, 0, ForwardedKeepAlives.LATER, ForwardedKeepAlives.REFUSED));
        assertEquals(30L, burst.byPosition.get(0));
        assertEquals(0L, burst.byPosition.get(1), "no such lease");
        assertFalse(burst.byPosition.containsKey(2), "answered later");
        assertInstanceOf(NotPrimaryException.class, burst.byPosition.get(3), "refused: the forwarder retries it");
        f.onAnswer(Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE_RESPONSE).setFrom(LEADER).setTo(ME)
                .setReadId(batch.getReadId()).addLeaseRequestIds(batch.getLeaseRequestIds(2)).addLeaseTtls(40)
                .build());
        assertEquals(40L, burst.byPosition.get(2));
        f.onAnswer(answer(LEADER, batch, 30, 0, 40, 50)); // a duplicate: each keep-alive is answered once
        assertEquals(4, burst.calls());
    }

    @Test
    void closingAnswersEveryWaitingKeepAliveOnce() {
        ForwardedKeepAlives f = forwarder(30_000);
        RecordedAnswers first = new RecordedAnswers();
        RecordedAnswers waiting = new RecordedAnswers();
        f.sendAll(LEADER, new long[] {11}, 1, first);
        f.sendAll(LEADER, new long[] {12, 13}, 2, waiting); // waits for the first batch's answer
        f.close();
        assertEquals(1, first.calls());
        assertEquals(2, waiting.calls(), "once each, though both in the pending map and the waiting queue");
        assertInstanceOf(MemberStoppedException.class, waiting.byPosition.get(1));
    }

    @Test
    void anUnansweredBatchTimesOutAndFreesTheWay() throws Exception {
        ForwardedKeepAlives f = forwarder(200);
        CompletableFuture<Long> lost = f.send(LEADER, 11);
        CompletableFuture<Long> waiting = f.send(LEADER, 12);
        ExecutionException e = assertThrows(ExecutionException.class, () -> lost.get(10, TimeUnit.SECONDS));
        assertInstanceOf(NotPrimaryException.class, e.getCause());
        assertEquals(2, sent.size(), "after the timeout the waiting one left");
        assertEquals(List.of(12L), sent.get(1).getLeaseIdsList());
        f.onAnswer(answer(LEADER, sent.get(1), 9));
        assertEquals(9L, waiting.get(10, TimeUnit.SECONDS));
        f.onAnswer(answer(LEADER, sent.get(0), 9)); // too late: ignored
        assertTrue(lost.isCompletedExceptionally());
    }

    @Test
    void aLeaderThatAnswersABatchAsASingleKeepAliveGetsSingleKeepAlives() throws Exception {
        ForwardedKeepAlives f = forwarder(30_000);
        CompletableFuture<Long> a = f.send(LEADER, 11);
        // A build without batches reads lease_id (unset: 0) and answers "no such lease" for it.
        f.onAnswer(Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE_RESPONSE).setFrom(LEADER).setTo(ME)
                .setReadId(sent.get(0).getReadId()).setLeaseTtl(0).build());
        ExecutionException e = assertThrows(ExecutionException.class, () -> a.get(5, TimeUnit.SECONDS));
        assertInstanceOf(NotPrimaryException.class, e.getCause(), "not taken for 'no such lease': retried");

        CompletableFuture<Long> b = f.send(LEADER, 12);
        CompletableFuture<Long> c = f.send(LEADER, 13);
        assertEquals(3, sent.size(), "singles, each at once");
        Message single = sent.get(1);
        assertEquals(12, single.getLeaseId());
        assertEquals(0, single.getLeaseIdsCount());
        f.onAnswer(Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE_RESPONSE).setFrom(LEADER).setTo(ME)
                .setReadId(single.getReadId()).setLeaseTtl(25).build());
        assertEquals(25L, b.getNow(-5L));
        assertFalse(c.isDone());
    }
}
