package io.keel.benchmarks;

import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.transport.InboundListener;
import io.keel.transport.Transport;
import io.keel.transport.TransportConfig;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue #6, item 3b: two {@link Transport}s on 127.0.0.1 (ports picked at run time, one I/O thread each), member 2
 * answering every heartbeat from member 1 with a heartbeat response. {@code roundTrip} / {@code roundTripLatency}: one small
 * message out and its answer back, one at a time: round trips per second, and the latency distribution
 * (sample time: p50/p99). {@code pipelined256}: 256 heartbeats sent at once, waiting for all 256 answers: messages per
 * second when the transport may batch its flushes. The waiting thread parks and is unparked by the listener.
 * {@code fanOut}: a leader's round (issue 12, section 2): member 1 sends one heartbeat each to members 2 and 3 in one
 * {@link Transport#sendAll} and waits for both answers; besides rounds per second, {@code handOffs} counts member
 * 1's listener calls ({@link InboundListener#onMessages}: the raft-thread tasks a member makes of them) and
 * {@code rounds} the rounds; handOffs / rounds lies between 1 (both answers read in one turn of member 1's event
 * loop) and 2.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TransportLoopbackBenchmark {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int PIPELINE = 256;

    private Transport one;
    private Transport two;
    private Transport three;
    /** Member 1's listener calls so far: each is one hand-off to the raft thread in a member. */
    private final AtomicLong listenerCalls = new AtomicLong();
    /** The highest round member 3 answered; member 2's is {@link #answeredRound}. */
    private volatile long answeredRoundBy3;
    private final AtomicLong answers = new AtomicLong();
    /** Answers whose round was not above the highest seen before: duplicates or reordering (expected: none). */
    private final AtomicLong stale = new AtomicLong();
    /** The highest round answered so far; written by member 1's I/O thread. */
    private volatile long answeredRound;
    private volatile Thread waiter;
    private long round;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        InboundListener echo = m -> {
            if (m.getType() == MessageType.MSG_HEARTBEAT) {
                Transport self = m.getTo() == 2 ? two : three;
                self.send(Message.newBuilder().setType(MessageType.MSG_HEARTBEAT_RESPONSE).setFrom(m.getTo()).setTo(1)
                        .setTerm(m.getTerm()).setRound(m.getRound()).build());
            }
        };
        InboundListener collect = new InboundListener() {
            @Override
            public void onMessage(Message m) {
                answers.incrementAndGet();
                if (m.getFrom() == 3) {
                    answeredRoundBy3 = m.getRound(); // one connection, in order
                } else if (m.getRound() > answeredRound) {
                    answeredRound = m.getRound(); // one I/O thread writes it: no lost update
                } else {
                    stale.incrementAndGet();
                }
            }

            @Override
            public void onMessages(List<Message> messages) {
                listenerCalls.incrementAndGet();
                messages.forEach(this::onMessage);
                Thread t = waiter;
                if (t != null) LockSupport.unpark(t);
            }
        };
        two = Transport.start(TransportConfig.builder(1, 2).ioThreads(1).build(), echo);
        three = Transport.start(TransportConfig.builder(1, 3).ioThreads(1).build(), echo);
        one = Transport.start(TransportConfig.builder(1, 1).ioThreads(1).build(), collect);
        one.addPeer(2, two.localAddress());
        one.addPeer(3, three.localAddress());
        two.addPeer(1, one.localAddress());
        three.addPeer(1, one.localAddress());
        waiter = Thread.currentThread();
        // Until both connections are up, messages may be dropped: ping until an answer comes back.
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (answeredRound == 0 || answeredRoundBy3 == 0) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("no answer over loopback within 10 s");
            one.sendAll(List.of(ping(++round), ping(3, round)));
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(20));
        }
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(200)); // late answers to the extra pings
        stale.set(0);
    }

    /** A heartbeat of member 1: a small message (about 20 bytes); the round identifies its answer. */
    private static Message ping(long round) {
        return ping(2, round);
    }

    private static Message ping(long to, long round) {
        return Message.newBuilder().setType(MessageType.MSG_HEARTBEAT).setFrom(1).setTo(to).setTerm(3)
                .setCommit(12345).setRound(round).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (stale.get() > 0) System.out.println("  [" + stale.get() + " duplicate or reordered answers]");
        if (one != null) one.close();
        if (two != null) two.close();
        if (three != null) three.close();
    }

    /** Sends {@code count} pings and waits for the answer to the last (one connection: answers come in order). */
    private void sendAndWait(int count) {
        waiter = Thread.currentThread();
        for (int i = 0; i < count; i++) {
            if (!one.send(ping(++round))) throw new IllegalStateException("ping dropped: " + one.stats());
        }
        long last = round;
        long deadline = 0;
        while (answeredRound < last) {
            LockSupport.parkNanos(this, TIMEOUT_NANOS);
            if (deadline == 0) {
                deadline = System.nanoTime() + TIMEOUT_NANOS;
            } else if (answeredRound < last && System.nanoTime() > deadline) {
                throw new IllegalStateException("answer to round " + last + " lost (answered " + answeredRound
                        + "); " + one.stats() + " / " + two.stats());
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void roundTrip() {
        sendAndWait(1);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void roundTripLatency() {
        sendAndWait(1);
    }

    /**
     * Member 1's listener calls and the rounds they came in (JMH sums events over the iteration):
     * handOffs / rounds is the hand-offs per round.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class HandOffs {
        public long handOffs;
        public long rounds;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void fanOut(HandOffs counted) {
        waiter = Thread.currentThread();
        long callsBefore = listenerCalls.get();
        long r = ++round;
        if (one.sendAll(List.of(ping(r), ping(3, r))) != 0) throw new IllegalStateException("ping dropped: " + one.stats());
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (answeredRound < r || answeredRoundBy3 < r) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("answers to round " + r + " lost (members 2 and 3 answered "
                        + answeredRound + ", " + answeredRoundBy3 + ")");
            }
            LockSupport.parkNanos(this, TIMEOUT_NANOS);
        }
        counted.handOffs += listenerCalls.get() - callsBefore;
        counted.rounds++;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(PIPELINE)
    public void pipelined256() {
        sendAndWait(PIPELINE);
    }
}
