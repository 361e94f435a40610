package io.keel.server.grpc;

import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.ClusterGrpc;
import io.keel.server.etcd.proto.Member;
import io.keel.server.etcd.proto.MemberListRequest;
import io.keel.server.etcd.proto.MemberListResponse;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * etcd's Cluster service: only MemberList is served (membership changes answer UNIMPLEMENTED). Keel knows its
 * members' peer addresses from the initial cluster; it knows only its own client URL, so the others are listed
 * without one. Members have no names yet: each is named by its id in hex (etcd lists a member with an empty name
 * as unstarted).
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final Supplier<String> ownClientUrl;

    ClusterService(Keel keel, EtcdGrpcServer.Headers headers, Supplier<String> ownClientUrl) {
        this.keel = keel;
        this.headers = headers;
        this.ownClientUrl = ownClientUrl;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            var b = MemberListResponse.newBuilder().setHeader(headers.now());
            for (Map.Entry<Long, InetSocketAddress> m : new TreeMap<>(keel.initialCluster()).entrySet()) {
                InetSocketAddress peer = m.getValue();
                var member = Member.newBuilder().setID(m.getKey()).setName(Long.toHexString(m.getKey()))
                        .addPeerURLs("http://" + peer.getHostString() + ":" + peer.getPort());
                if (m.getKey() == keel.memberId()) member.addClientURLs(ownClientUrl.get());
                b.addMembers(member);
            }
            return b.build();
        });
    }
}
