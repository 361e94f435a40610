package io.keel.transport;

import io.keel.raft.proto.Message;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hand-over of one event loop's turn: every burst the loop's connections read in one turn goes to the listener in
 * one call at the turn's end, in order, never more than {@link InboundMessages#MAX_BURST} messages a call; a burst
 * added from another thread (a connection on another loop) is handed over at once, alone.
 */
class TurnDeliveryTest {
    private final EventLoop loop = new DefaultEventLoop();
    private final List<List<Message>> calls = new CopyOnWriteArrayList<>();
    private final TurnDelivery delivery = new TurnDelivery(loop, new InboundListener() {
        @Override
        public void onMessage(Message message) {
            calls.add(List.of(message));
        }

        @Override
        public void onMessages(List<Message> messages) {
            calls.add(List.copyOf(messages));
        }
    }, 1);

    @AfterEach
    void stopLoop() throws InterruptedException {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(30, TimeUnit.SECONDS);
    }

    @Test
    void burstsOfOneTurnAreHandedOverInOneCallInOrder() throws Exception {
        loop.submit(() -> {
            delivery.add(messages(2, 0, 3));
            delivery.add(messages(3, 0, 2));
            delivery.add(messages(2, 3, 1));
        }).get(30, TimeUnit.SECONDS);
        Await.until(() -> !calls.isEmpty(), () -> "the turn's end handed the bursts over");
        loop.submit(() -> { }).get(30, TimeUnit.SECONDS); // anything queued behind the turn's end has run
        List<Message> expected = new ArrayList<>(messages(2, 0, 3));
        expected.addAll(messages(3, 0, 2));
        expected.addAll(messages(2, 3, 1));
        assertEquals(List.of(expected), calls, "one call, the bursts in the order they were read");
    }

    @Test
    void aTurnBeyondTheBoundIsHandedOverInCallsWithinIt() throws Exception {
        int half = InboundMessages.MAX_BURST / 2 + 1;
        loop.submit(() -> {
            delivery.add(messages(2, 0, half));
            delivery.add(messages(3, 0, half));
        }).get(30, TimeUnit.SECONDS);
        Await.until(() -> calls.stream().mapToInt(List::size).sum() == 2 * half, () -> "both bursts handed over");
        assertEquals(List.of(messages(2, 0, half), messages(3, 0, half)), calls,
                "two calls: together they would pass the bound of " + InboundMessages.MAX_BURST);
    }

    @Test
    void aBurstFromAnotherThreadIsHandedOverAtOnceAlone() {
        List<Message> burst = messages(2, 0, 4);
        delivery.add(burst);
        assertEquals(List.of(burst), calls, "handed over in the adding thread's call, as it was");
    }

    private static List<Message> messages(long from, int firstIndex, int count) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Message.newBuilder().setFrom(from).setTo(1).setIndex(firstIndex + i).build());
        }
        return out;
    }
}
