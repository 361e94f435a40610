package io.keel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** A peer on a plain socket, for bytes no real transport would send. */
final class RawPeer implements AutoCloseable {
    final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
    }

    static RawPeer connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(address, 5000);
        return new RawPeer(s);
    }

    static RawPeer over(Socket accepted) throws IOException {
        return new RawPeer(accepted);
    }

    /** Writes bytes; false if the other side had already closed the connection. */
    boolean write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static byte[] bytes(ByteBuf buf) {
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static byte[] hello(Hello h) {
        return bytes(h.encode(UnpooledByteBufAllocator.DEFAULT));
    }

    static byte[] frame(FrameType type, byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(1 + payload.length).writeByte(type.code).writeBytes(payload);
        return bytes(b);
    }

    static byte[] message(io.keel.raft.proto.Message m) {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.writeMessage(b, m);
        return bytes(b);
    }

    /** Reads one frame's type byte and payload. */
    Frame readFrame(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        DataInputStream data = new DataInputStream(in);
        int length = data.readInt();
        byte type = data.readByte();
        byte[] payload = new byte[length - 1];
        data.readFully(payload);
        return new Frame(FrameType.ofCode(type), Unpooled.wrappedBuffer(payload));
    }

    HelloReply readReply() throws IOException {
        Frame f = readFrame(Duration.ofSeconds(10));
        try {
            return HelloReply.decode(f.payload());
        } finally {
            f.release();
        }
    }

    /** True once the other side closes the connection (end of stream or reset), false if it is still open after timeout. */
    boolean awaitClosedByPeer(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] sink = new byte[8192];
        try {
            while (in.read(sink) >= 0) {
                // discard whatever the responder still sends (its HELLO_REPLY)
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset: closed too
        }
    }

    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // already closed by the other side
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
