package io.keel.server.membership;

import io.keel.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Keeps the transport's peers in line with the member directory: a member added (or given new peer URLs) becomes
 * a peer at its peer URLs (dialled in turn until one answers), a removed one stops being one. Peers named by the initial cluster stay until the
 * directory says otherwise, so a member joining with an empty directory still reaches the leader.
 */
public final class PeerSync implements Consumer<MemberDirectory> {
    private static final Logger LOG = LoggerFactory.getLogger(PeerSync.class);

    private final Transport transport;
    private final long self;
    private final Map<Long, List<SocketAddress>> known;

    public PeerSync(Transport transport, long self, Map<Long, List<SocketAddress>> initialPeers) {
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
                List<SocketAddress> addresses = PeerUrls.transportAddresses(m.peerUrls());
                if (addresses.isEmpty() || addresses.equals(known.get(m.id()))) continue;
                LOG.info("member {} talks to member {} at {}", Long.toHexString(self), Long.toHexString(m.id()),
                        addresses.size() == 1 ? addresses.get(0) : addresses);
                transport.addPeer(m.id(), addresses);
                known.put(m.id(), addresses);
            }
            if (directory.get(self) != null) {
                // The directory now has the cluster's membership: an initial peer it does not list was never a
                // member under that id (a joining member may be given a peer under both the ids it could have).
                for (long id : java.util.List.copyOf(known.keySet())) {
                    if (directory.get(id) == null && !directory.isRemoved(id)) {
                        LOG.info("member {} no longer talks to {}: the member directory does not list it",
                                Long.toHexString(self), Long.toHexString(id));
                        known.remove(id);
                        transport.removePeer(id);
                    }
                }
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
