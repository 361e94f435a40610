package io.keel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** One decoded frame: its type and its payload (the bytes after the type). Reference-counted: the handler that
 * consumes it releases it. */
final class Frame extends DefaultByteBufHolder {
    private final FrameType type;

    Frame(FrameType type, ByteBuf payload) {
        super(payload);
        this.type = type;
    }

    FrameType type() {
        return type;
    }

    ByteBuf payload() {
        return content();
    }

    @Override
    public Frame replace(ByteBuf content) {
        return new Frame(type, content);
    }

    @Override
    public String toString() {
        return type + "(" + content().readableBytes() + " bytes)";
    }
}
