package io.keel.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/** The member on the other side of a channel, once its handshake says who it is; for logs. */
final class Peers {
    static final AttributeKey<Long> PEER_ID = AttributeKey.valueOf("keel.peerId");

    private Peers() {
    }

    static String describe(Channel ch) {
        Long id = ch.attr(PEER_ID).get();
        String who = id == null ? "an unidentified peer" : "member " + Texts.id(id);
        return who + " at " + ch.remoteAddress();
    }
}
