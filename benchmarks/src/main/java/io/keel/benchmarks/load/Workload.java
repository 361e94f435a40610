package io.keel.benchmarks.load;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.PutResponse;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;

import java.util.Random;

/**
 * What one request is: a put of a fixed random value, or a range of one key, to key {@code n mod keySpace} for the
 * n-th request. Keys are {@code keySize} bytes: the key's number, big-endian, in the last bytes, zeros before.
 */
abstract class Workload {
    private final int keySize;
    private final long keySpace;

    Workload(int keySize, long keySpace) {
        if (keySize < 1) throw new IllegalArgumentException("--key-size must be at least 1");
        if (keySpace < 1) throw new IllegalArgumentException("--key-space must be at least 1");
        if (keySize < 8 && keySpace > 1L << (8 * keySize)) {
            throw new IllegalArgumentException("--key-space " + keySpace + " does not fit in keys of " + keySize
                    + " bytes (at most " + (1L << (8 * keySize)) + ")");
        }
        this.keySize = keySize;
        this.keySpace = keySpace;
    }

    long keySpace() {
        return keySpace;
    }

    ByteString key(long n) {
        long k = Math.floorMod(n, keySpace);
        byte[] b = new byte[keySize];
        for (int i = keySize - 1; i >= 0 && i >= keySize - 8; i--) {
            b[i] = (byte) k;
            k >>>= 8;
        }
        return ByteString.copyFrom(b);
    }

    /** Sends request {@code n}; the response or error goes to {@code done}. */
    abstract void send(KVGrpc.KVStub stub, long n, StreamObserver<Object> done);

    abstract String describe();

    static Workload put(int keySize, long keySpace, int valueSize) {
        return new Put(keySize, keySpace, valueSize);
    }

    static Workload get(int keySize, long keySpace, boolean serializable) {
        return new Get(keySize, keySpace, serializable);
    }

    /** A response observer of any type: the load only needs to know that a request ended, and how. */
    @SuppressWarnings("unchecked")
    static <T> StreamObserver<T> typed(StreamObserver<Object> o) {
        return (StreamObserver<T>) (StreamObserver<?>) o;
    }

    static final class Put extends Workload {
        private final ByteString value;
        private final int valueSize;

        Put(int keySize, long keySpace, int valueSize) {
            super(keySize, keySpace);
            if (valueSize < 0) throw new IllegalArgumentException("--val-size must not be negative");
            byte[] v = new byte[valueSize];
            new Random(42).nextBytes(v);
            this.value = ByteString.copyFrom(v);
            this.valueSize = valueSize;
        }

        @Override
        void send(KVGrpc.KVStub stub, long n, StreamObserver<Object> done) {
            StreamObserver<PutResponse> o = typed(done);
            stub.put(PutRequest.newBuilder().setKey(key(n)).setValue(value).build(), o);
        }

        @Override
        String describe() {
            return "put, " + valueSize + " B values";
        }
    }

    static final class Get extends Workload {
        private final boolean serializable;

        Get(int keySize, long keySpace, boolean serializable) {
            super(keySize, keySpace);
            this.serializable = serializable;
        }

        @Override
        void send(KVGrpc.KVStub stub, long n, StreamObserver<Object> done) {
            StreamObserver<RangeResponse> o = typed(done);
            stub.range(RangeRequest.newBuilder().setKey(key(n)).setSerializable(serializable).build(), o);
        }

        @Override
        String describe() {
            return "get, " + (serializable ? "serializable" : "linearizable");
        }
    }
}
