package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.netty.channel.Channel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One inbound message connection per peer. A newer one replaces the older: a peer that restarted reconnects
 * before this side has noticed its old connection died, and must not wait for that connection to time out.
 */
final class InboundRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(InboundRegistry.class);

    private final long localId;
    private final Map<Long, Channel> byPeer = new ConcurrentHashMap<>();

    InboundRegistry(long localId) {
        this.localId = localId;
    }

    void register(long peerId, Channel channel) {
        Channel previous = byPeer.put(peerId, channel);
        if (previous != null && previous != channel) {
            LOG.info("member {}: member {} opened a new connection from {}; closing its previous one from {}",
                    Texts.id(localId), Texts.id(peerId), channel.remoteAddress(), previous.remoteAddress());
            previous.close();
        }
    }

    void remove(long peerId, Channel channel) {
        byPeer.remove(peerId, channel);
    }

    /** Closes the peer's inbound connection, if any (the peer was removed from the cluster). */
    /** The inbound connection's TCP_USER_TIMEOUT in ms as the kernel reports it, or null (tests). */
    Integer socketUserTimeoutMillis(long peerId) {
        Channel ch = byPeer.get(peerId);
        return ch != null && ch.config() instanceof io.netty.channel.epoll.EpollSocketChannelConfig c
                ? c.getTcpUserTimeout() : null;
    }

    void close(long peerId) {
        Channel ch = byPeer.remove(peerId);
        if (ch != null) ch.close();
    }

    void closeAll() {
        for (Channel ch : List.copyOf(byPeer.values())) ch.close().awaitUninterruptibly();
        byPeer.clear();
    }
}
