package io.keel.benchmarks;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.transport.MessageFrames;
import io.keel.transport.WireFormatException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Issue #6, item 3a: the transport's frame codec on an APPEND ({@code MSG_APPEND}) carrying 16 entries of 256 B
 * (about 4.5 KB on the wire). {@code encode}: the frame written into a pooled direct buffer, as the sending event
 * loop does (buffer allocation and release included). {@code decode}: header checked and the protobuf parsed from
 * a direct buffer, as the receiving side does. Single-threaded: time per operation is its CPU.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FrameCodecBenchmark {
    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Message append;
    private int frameBytes;
    private ByteBuf encoded;

    @Setup(Level.Trial)
    public void setup() throws WireFormatException {
        ByteString payload = Entries.payload(Entries.PAYLOAD_BYTES);
        append = Message.newBuilder().setType(MessageType.MSG_APPEND).setFrom(1).setTo(2).setTerm(7)
                .setLogTerm(7).setIndex(1_000_000).setCommit(999_990)
                .addAllEntries(Entries.batch(1_000_001, 16, 7, payload)).build();
        frameBytes = MessageFrames.messageFrameBytes(append);
        encoded = alloc.directBuffer(frameBytes);
        MessageFrames.writeMessage(encoded, append);
        Message back = MessageFrames.readMessageFrame(encoded.duplicate());
        if (!back.equals(append)) throw new IllegalStateException("codec round trip changed the message");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoded.release();
    }

    @Benchmark
    public int encode() {
        ByteBuf out = alloc.directBuffer(MessageFrames.messageFrameBytes(append));
        try {
            MessageFrames.writeMessage(out, append);
            return out.writerIndex();
        } finally {
            out.release();
        }
    }

    @Benchmark
    public Message decode() throws WireFormatException {
        return MessageFrames.readMessageFrame(encoded.duplicate());
    }
}
