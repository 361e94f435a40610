package io.keel.server.grpc;

import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.ClusterGrpc;
import io.keel.server.etcd.proto.Member;
import io.keel.server.etcd.proto.MemberAddRequest;
import io.keel.server.etcd.proto.MemberAddResponse;
import io.keel.server.etcd.proto.MemberListRequest;
import io.keel.server.etcd.proto.MemberListResponse;
import io.keel.server.etcd.proto.MemberPromoteRequest;
import io.keel.server.etcd.proto.MemberPromoteResponse;
import io.keel.server.etcd.proto.MemberRemoveRequest;
import io.keel.server.etcd.proto.MemberRemoveResponse;
import io.keel.server.etcd.proto.MemberUpdateRequest;
import io.keel.server.etcd.proto.MemberUpdateResponse;
import io.keel.server.membership.MemberInfo;

import java.util.List;

/**
 * etcd's Cluster service over the replicated member directory ({@link io.keel.server.membership.Membership}):
 * MemberList shows the members this member has applied, each with the peer URLs it was added with and the name and
 * client URLs it announced. Add, remove and promote are Raft membership changes and must be sent to the leader (a
 * follower answers etcd's "leader changed"/"no leader"); update is forwarded like a write.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;

    ClusterService(Keel keel, EtcdGrpcServer.Headers headers) {
        this.keel = keel;
        this.headers = headers;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> MemberListResponse.newBuilder().setHeader(headers.now())
                .addAllMembers(members(keel.membership().list())).build());
    }

    @Override
    public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> {
            MemberInfo added = keel.membership().add(request.getPeerURLsList(), request.getIsLearner());
            return MemberAddResponse.newBuilder().setHeader(headers.now()).setMember(member(added))
                    .addAllMembers(members(keel.membership().list())).build();
        });
    }

    @Override
    public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> MemberRemoveResponse.newBuilder()
                .addAllMembers(members(keel.membership().remove(request.getID()))).setHeader(headers.now()).build());
    }

    @Override
    public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> MemberPromoteResponse.newBuilder()
                .addAllMembers(members(keel.membership().promote(request.getID()))).setHeader(headers.now()).build());
    }

    @Override
    public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> MemberUpdateResponse.newBuilder()
                .addAllMembers(members(keel.membership().updatePeerUrls(request.getID(), request.getPeerURLsList())))
                .setHeader(headers.now()).build());
    }

    private static List<Member> members(List<MemberInfo> list) {
        return list.stream().map(ClusterService::member).toList();
    }

    private static Member member(MemberInfo m) {
        return Member.newBuilder().setID(m.id()).setName(m.name()).addAllPeerURLs(m.peerUrls())
                .addAllClientURLs(m.clientUrls()).setIsLearner(m.learner()).build();
    }
}
