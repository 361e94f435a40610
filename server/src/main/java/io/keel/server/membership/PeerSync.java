package io.keel.server.membership;

import io.keel.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Keeps the transport's peers in line with the member directory: a member added (or given new peer URLs) becomes
 * a peer at its first peer URL, a removed one stops being one. Peers named by the initial cluster stay until the
 * directory says otherwise, so a member joining with an empty directory still reaches the leader.
 */
public final class PeerSync implements Consumer<MemberDirectory> {
    private static final Logger LOG = LoggerFactory.getLogger(PeerSync.class);

    private final Transport transport;
    private final long self;
    private final Map<Long, InetSocketAddress> known;

    public PeerSync(Transport transport, long self, Map<Long, InetSocketAddress> initialPeers) {
        this.transport = transport;
        this.self = self;
        this.known = new HashMap<>(initialPeers);
        this.known.remove(self);
    }

    @Override
    public synchronized void accept(MemberDirectory directory) {
        try {
            for (MemberInfo m : directory.members()) {
                if (m.id() == self) continue;
                InetSocketAddress address = PeerUrls.transportAddress(m);
                if (address == null || address.equals(known.get(m.id()))) continue;
                LOG.info("member {} talks to member {} at {}", Long.toHexString(self), Long.toHexString(m.id()),
                        address);
                transport.addPeer(m.id(), address);
                known.put(m.id(), address);
            }
            for (long id : directory.removed()) {
                if (id != self && known.remove(id) != null) {
                    LOG.info("member {} no longer talks to removed member {}", Long.toHexString(self),
                            Long.toHexString(id));
                    transport.removePeer(id);
                }
            }
        } catch (IllegalStateException e) {
            // The transport closed: the member is stopping.
            LOG.debug("member {}: peer update skipped: {}", Long.toHexString(self), e.getMessage());
        }
    }
}
