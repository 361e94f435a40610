package io.keel.benchmarks;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.server.member.ClientWrite;
import io.keel.server.member.OperationCodec;
import io.keel.server.proto.ClientOp;
import io.keel.server.proto.PutOp;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import io.keel.storage.mvcc.api.QuotaCost;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Issue 12, section 4 (one encoding of a request): the cost of one put of a 256-byte value (a 16-byte key) on its
 * way into a Raft entry and back out of it at apply, in the encoding of the previous release and in the current one.
 *
 * <p>{@code encodeBefore}: etcd's PutRequest as gRPC parsed it made into the store's record (key and value copied),
 * its quota cost taken, then the record made into keel_ops' PutOp (key and value copied again) in the ClientOp
 * envelope and serialised: the previous release's code, reproduced here step by step because the current code no
 * longer encodes that way (it still decodes it). {@code encodeAfter}: {@link ClientWrite#put}, the gRPC path now:
 * the key checked, the quota cost taken from the message's sizes, the message itself serialised into the envelope.
 * {@code applyBefore} / {@code applyAfter}: {@link OperationCodec#decode} of an entry of each encoding into the
 * store's record, as the apply thread does (parse, then convert). Single-threaded: time per operation is its CPU;
 * run with {@code -prof gc} for the bytes allocated per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RequestEncodingBenchmark {
    private io.keel.server.etcd.proto.PutRequest put;
    private Entry before;
    private Entry after;

    @Setup(Level.Trial)
    public void setup() {
        put = io.keel.server.etcd.proto.PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("/registry/k-0042"))
                .setValue(Entries.payload(Entries.PAYLOAD_BYTES)).build();
        before = entry(encodeBefore(put));
        after = entry(ClientWrite.put(put).entry());
        // Both encodings must decode to the same put, or the comparison means nothing.
        PutRequest a = (PutRequest) OperationCodec.decode(before);
        PutRequest b = (PutRequest) OperationCodec.decode(after);
        if (!java.util.Arrays.equals(a.key(), b.key()) || !java.util.Arrays.equals(a.value(), b.value())) {
            throw new IllegalStateException("the two encodings decode to different puts");
        }
    }

    @Benchmark
    public ByteString encodeBefore() {
        return encodeBefore(put);
    }

    @Benchmark
    public ByteString encodeAfter() {
        return ClientWrite.put(put).entry();
    }

    @Benchmark
    public Operation applyBefore() {
        return OperationCodec.decode(before);
    }

    @Benchmark
    public Operation applyAfter() {
        return OperationCodec.decode(after);
    }

    /** The previous release's path: ProtoConvert.put, SpaceQuota's cost, OperationCodec.encode's PutOp. */
    private static ByteString encodeBefore(io.keel.server.etcd.proto.PutRequest r) {
        PutRequest record = new PutRequest(r.getKey().toByteArray(), r.getValue().toByteArray(), r.getLease(),
                r.getPrevKv(), r.getIgnoreValue(), r.getIgnoreLease());
        if (QuotaCost.of(record) < 0) throw new IllegalStateException();
        return ClientOp.newBuilder().setPut(PutOp.newBuilder().setKey(ByteString.copyFrom(record.key()))
                .setValue(ByteString.copyFrom(record.value())).setLease(record.lease()).setPrevKv(record.prevKv())
                .setIgnoreValue(record.ignoreValue()).setIgnoreLease(record.ignoreLease())).build().toByteString();
    }

    private static Entry entry(ByteString data) {
        return Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setTerm(3).setIndex(1_000_000).setData(data)
                .build();
    }
}
