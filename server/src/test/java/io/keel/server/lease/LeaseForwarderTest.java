package io.keel.server.lease;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.server.Poll;
import io.keel.server.RequestTimeoutException;
import io.keel.storage.mvcc.MvccStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * A follower's burst of keep-alives ({@link LeaseForwarder#keepAliveAll}) against a leader played by the test: the
 * burst leaves in one message and its answers go to their positions; one the leader refuses is made again, at
 * whichever member leads then, and answered at its position; one that no leader answers fails there once the
 * request timeout has passed, as a single keep-alive does.
 */
class LeaseForwarderTest {
    private static final long ME = 1;
    private final List<Message> sent = new CopyOnWriteArrayList<>();
    private final AtomicLong leader = new AtomicLong(2);
    private final Lessor lessor = new Lessor(ME, Duration.ofSeconds(1), System::nanoTime,
            op -> new CompletableFuture<>(), term -> false, term -> new CompletableFuture<>());
    private LeaseForwarder forwarder;

    @AfterEach
    void close() {
        if (forwarder != null) forwarder.close();
        lessor.close();
    }

    private LeaseForwarder forwarder(Duration timeout) {
        forwarder = new LeaseForwarder(ME, lessor, leader::get, () -> 7, m -> {
            sent.add(m);
            return true;
        }, Duration.ofSeconds(30), timeout);
        return forwarder;
    }

    private Message awaitSent(int count) {
        Poll.until("message " + count + " sent", () -> sent.size() >= count);
        return sent.get(count - 1);
    }

    @Test
    void aRefusedKeepAliveOfABurstIsRetriedAtTheNewLeaderAndAnsweredAtItsPosition() {
        LeaseForwarder f = forwarder(Duration.ofSeconds(30));
        RecordedAnswers burst = new RecordedAnswers();
        f.keepAliveAll(new long[] {11, 12, 13}, 3, burst);
        Message batch = awaitSent(1);
        assertEquals(List.of(11L, 12L, 13L), batch.getLeaseIdsList(), "one message for the burst");
        assertEquals(2, batch.getTo());

        leader.set(3); // member 2 refuses one: it no longer leads
        f.onMessage(ForwardedKeepAlivesTest.answer(2, batch, 10, ForwardedKeepAlives.REFUSED, 0));
        assertEquals(10L, burst.byPosition.get(0));
        assertEquals(0L, burst.byPosition.get(2), "no such lease");
        Message retry = awaitSent(2);
        assertEquals(3, retry.getTo(), "made again at whichever member leads");
        assertEquals(List.of(12L), retry.getLeaseIdsList());
        f.onMessage(ForwardedKeepAlivesTest.answer(3, retry, 20));
        assertEquals(20L, burst.byPosition.get(1));
        assertEquals(Map.of(0, 1, 1, 1, 2, 1), burst.times, "each position answered once");
        assertEquals(4, f.forwarded(), "three forwarded with the burst, and one retry");
    }

    @Test
    void aFollowersBatchTheLeaderCannotAnswerAtOnceWaitsForOneRoundAndIsAnsweredInOneMessage(@TempDir Path dir) {
        // Why: with its leader lease lapsed for a moment, the leader renewed each keep-alive of the batch again one
        // by one, a lease check and a quorum round each, and answered each in a message of its own.
        List<Long> rounds = new CopyOnWriteArrayList<>();
        CompletableFuture<Object> round = new CompletableFuture<>();
        try (MvccStore store = MvccStore.open(dir);
             Lessor primary = new Lessor(ME, Duration.ofSeconds(1), System::nanoTime, op -> new CompletableFuture<>(),
                     term -> false, term -> {
                         rounds.add(term);
                         return round;
                     })) {
            LessorEntries.lead(primary, store, 1, 2);
            LessorEntries.granted(primary, store, 2, 11, 60);
            LessorEntries.granted(primary, store, 3, 13, 90);
            forwarder = new LeaseForwarder(ME, primary, () -> ME, () -> 3, m -> {
                sent.add(m);
                return true;
            }, Duration.ofSeconds(30), Duration.ofSeconds(30));
            Message batch = Message.newBuilder().setType(MessageType.MSG_LEASE_KEEP_ALIVE).setFrom(2).setTo(ME)
                    .setReadId(500).setIndex(3).addAllLeaseIds(List.of(11L, 12L, 13L))
                    .addAllLeaseRequestIds(List.of(501L, 502L, 503L)).build();
            forwarder.onMessage(batch);

            Message first = awaitSent(1);
            assertEquals(List.of(2L), rounds, "one quorum round for the batch");
            assertEquals(List.of(ForwardedKeepAlives.LATER, ForwardedKeepAlives.LATER, ForwardedKeepAlives.LATER),
                    first.getLeaseTtlsList(), "answered at once, every one later, so the follower's next batch leaves");
            round.complete(null);
            Message answers = awaitSent(2);
            assertEquals(500, answers.getReadId());
            assertEquals(List.of(501L, 502L, 503L), answers.getLeaseRequestIdsList());
            assertEquals(List.of(60L, 0L, 90L), answers.getLeaseTtlsList(), "all in one message");
            assertEquals(2, sent.size());
            assertEquals(List.of(2L), rounds);
            assertEquals(0, primary.renewalsOneByOne());
        }
    }

    @Test
    void aKeepAliveOfABurstNoLeaderAnswersFailsAtTheRequestTimeout() {
        leader.set(0); // none known: retried until the request timeout, as a single keep-alive
        LeaseForwarder f = forwarder(Duration.ofMillis(300));
        RecordedAnswers burst = new RecordedAnswers();
        f.keepAliveAll(new long[] {11, 12}, 2, burst);
        Poll.until("both answered", () -> burst.times.size() == 2);
        assertInstanceOf(RequestTimeoutException.class, burst.byPosition.get(0));
        assertInstanceOf(RequestTimeoutException.class, burst.byPosition.get(1));
        assertEquals(List.of(), sent);
    }
}
