package io.keel.server.cli;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * The URL flags as etcd takes them, with several URLs each and {@code unix://} sockets for peers: every address the
 * member listens on, every peer URL of every initial member, and the new cluster's id. (MemberSettings' single
 * addresses are the first TCP one of each.)
 *
 * @param peerListen      --listen-peer-urls, each one's address (TCP or Unix domain socket)
 * @param clientListen    --listen-client-urls, each one's address
 * @param peerAdvertise   --initial-advertise-peer-urls as given
 * @param initialPeerUrls member id to its peer URLs, for every initial member (--initial-cluster)
 * @param newClusterId    the id of the cluster an initial member bootstraps: etcd's, or a cluster's made before
 *                        ({@link LaunchIds})
 */
record UrlSettings(List<SocketAddress> peerListen, List<InetSocketAddress> clientListen, List<String> peerAdvertise,
                   Map<Long, List<String>> initialPeerUrls, long newClusterId) {
    UrlSettings {
        peerListen = List.copyOf(peerListen);
        clientListen = List.copyOf(clientListen);
        peerAdvertise = List.copyOf(peerAdvertise);
        initialPeerUrls = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(initialPeerUrls));
    }

    UrlSettings withInitialPeerUrls(Map<Long, List<String>> urls) {
        return new UrlSettings(peerListen, clientListen, peerAdvertise, urls, newClusterId);
    }
}
