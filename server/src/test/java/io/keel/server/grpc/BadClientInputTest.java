package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Bad input on the client port: garbage instead of HTTP/2, a message beyond gRPC's receive limit, ranges that select
 * nothing. Each gets a clean refusal (or an empty answer, as etcd gives), and the member keeps serving with nothing
 * lost.
 */
class BadClientInputTest {
    @RegisterExtension
    static final LeaderForClass member = new LeaderForClass();


    private static KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(member.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static void put(String key, String value) {
        kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value)).build());
    }

    private static String get(String key) {
        RangeResponse r = kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
        return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
    }

    @Test
    void garbageOnTheClientPortIsDroppedAndTheMemberKeepsServing() throws Exception {
        put("before-garbage", "kept");
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", member.server().port());
        Random random = new Random(42);
        byte[] noise = new byte[64 * 1024];
        random.nextBytes(noise);
        sendAndAwaitClose(address, noise);
        // HTTP/1.1 is the gateway's: a path it does not know is answered (404) and, asked to, the connection closed.
        sendAndAwaitClose(address, "GET / HTTP/1.1\r\nHost: keel\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        // A correct HTTP/2 preface followed by a frame header announcing 16 MiB of a frame type that does not exist.
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] badFrame = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 0, 0, 0, 0, 1};
        byte[] both = new byte[preface.length + badFrame.length];
        System.arraycopy(preface, 0, both, 0, preface.length);
        System.arraycopy(badFrame, 0, both, preface.length, badFrame.length);
        sendAndAwaitClose(address, both);
        // A connection that opens and ends without a byte.
        sendAndAwaitClose(address, new byte[0]);

        assertEquals("kept", get("before-garbage"));
        put("after-garbage", "served");
        assertEquals("served", get("after-garbage"));
    }

    @Test
    void aMessageBeyondTheReceiveLimitIsRefusedAndChangesNothing() {
        // Past etcd's request limit plus gRPC's allowance: gRPC itself refuses it before it is parsed.
        byte[] huge = new byte[EtcdGrpcServer.DEFAULT_MAX_REQUEST_BYTES + 1024 * 1024];
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> kv().put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("huge")).setValue(ByteString.copyFrom(huge)).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus()::toString);
        assertEquals(null, get("huge"));
        put("after-huge", "served");
        assertEquals("served", get("after-huge"));
    }

    @Test
    void rangesThatSelectNothingAnswerEmptyAsEtcdDoes() {
        put("m", "1");
        // range_end before key: etcd answers an empty range, and deletes nothing.
        RangeResponse backwards = kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("z"))
                .setRangeEnd(ByteString.copyFromUtf8("a")).build());
        assertEquals(0, backwards.getKvsCount());
        assertEquals(0, backwards.getCount());
        assertEquals(0, kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("z"))
                .setRangeEnd(ByteString.copyFromUtf8("a")).build()).getDeleted());
        assertEquals("1", get("m"));
        // A negative limit is refused by nobody in etcd: it means "no limit".
        RangeResponse all = kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("m"))
                .setLimit(-5).build());
        assertEquals(1, all.getKvsCount());
    }

    /**
     * Writes the bytes, then reads until the server closes the connection (it must, on bad input). A server that
     * keeps the connection open fails the test after the read deadline: waiting out the deadline is not a close.
     */
    private static void sendAndAwaitClose(InetSocketAddress address, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
                if (bytes.length == 0) s.shutdownOutput();
            } catch (IOException closedWhileWriting) {
                return; // the server already hung up on the garbage
            }
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[4096];
            try {
                while (in.read(buffer) >= 0) {
                    // drain whatever the server says (an HTTP/2 GOAWAY, an HTTP/1 error) until it closes
                }
            } catch (java.net.SocketTimeoutException stillOpen) {
                throw new AssertionError("the member kept the connection open for 60 s after "
                        + bytes.length + " bytes of bad input", stillOpen);
            } catch (IOException reset) {
                // a reset is a close too
            }
        }
    }
}
