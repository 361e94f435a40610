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
 * client URLs it announced. Add, remove, promote and update sent to a follower are forwarded to the leader, once
 * ({@link LeaderForward}); the answer comes back once this member has applied the change too, so a MemberList here
 * right after it shows it. Without a known leader: etcd's "no leader".
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final LeaderForward forward;
    private final AuthGuard guard;

    ClusterService(Keel keel, EtcdGrpcServer.Headers headers, AuthGuard guard,
                   io.keel.server.tls.MemberClientChannels members) {
        this.guard = guard;
        this.keel = keel;
        this.headers = headers;
        this.forward = new LeaderForward(keel, members);
    }

    /**
     * The service, with the interceptor that tells forwarded calls apart (they are never forwarded again) and the one
     * that keeps the caller's token for a forward (the leader checks it again).
     */
    static io.grpc.ServerServiceDefinition service(Keel keel, EtcdGrpcServer.Headers headers, AuthGuard guard,
                                                   io.keel.server.tls.MemberClientChannels members) {
        return io.grpc.ServerInterceptors.intercept(new ClusterService(keel, headers, guard, members),
                LeaderForward.marker(),
                CallerToken.KEEP);
    }

    /**
     * At a follower that knows the leader: the leader's answer to {@code remote}, with this member's header once it
     * has applied the change too; otherwise {@code local} here.
     */
    private <T> T atLeader(java.util.function.Function<io.grpc.Channel, T> remote,
                           java.util.function.Function<T, T> withHeader, java.util.function.Supplier<T> local) {
        // etcd: changing the membership is for the root role only, while authentication is on.
        guard.admin();
        String url = forward.leaderUrl();
        if (url == null) return local.get();
        io.grpc.ClientInterceptor token = CallerToken.forwardingCurrent(); // read here: the forward runs elsewhere
        T answer = forward.call(url, ch -> remote.apply(io.grpc.ClientInterceptors.intercept(ch, token)));
        // The leader's answer stands either way; the barrier only lets a MemberList here right after show it. A
        // member that was the one removed skips it: it will hear nothing more from the leader.
        if (keel.membership().self() != null && !keel.membership().removed().isDone()) {
            keel.membership().catchUp(keel.electionTimeout().multipliedBy(2));
        }
        return withHeader.apply(answer);
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> MemberListResponse.newBuilder().setHeader(headers.now())
                .addAllMembers(members(keel.membership().list())).build());
    }

    @Override
    public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> atLeader(
                ch -> ClusterGrpc.newBlockingStub(ch).memberAdd(request),
                r -> r.toBuilder().setHeader(headers.now()).build(), () -> {
                    MemberInfo added = keel.membership().add(request.getPeerURLsList(), request.getIsLearner());
                    return MemberAddResponse.newBuilder().setHeader(headers.now()).setMember(member(added))
                            .addAllMembers(members(keel.membership().list())).build();
                }));
    }

    @Override
    public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
        if (request.getID() == keel.memberId()) {
            // This member removes itself: no barrier after the leader's answer (it hears nothing more from it).
            EtcdGrpcServer.answer(keel, observer, () -> {
                guard.admin();
                String url = forward.leaderUrl();
                if (url == null) {
                    return MemberRemoveResponse.newBuilder().addAllMembers(members(keel.membership()
                            .remove(request.getID()))).setHeader(headers.now()).build();
                }
                return forward.call(url, ch -> ClusterGrpc.newBlockingStub(io.grpc.ClientInterceptors.intercept(ch,
                        CallerToken.FORWARD)).memberRemove(request)).toBuilder()
                        .setHeader(headers.now()).build();
            });
            return;
        }
        EtcdGrpcServer.answer(keel, observer, () -> atLeader(
                ch -> ClusterGrpc.newBlockingStub(ch).memberRemove(request),
                r -> r.toBuilder().setHeader(headers.now()).build(), () -> MemberRemoveResponse.newBuilder()
                        .addAllMembers(members(keel.membership().remove(request.getID()))).setHeader(headers.now())
                        .build()));
    }

    @Override
    public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> atLeader(
                ch -> ClusterGrpc.newBlockingStub(ch).memberPromote(request),
                r -> r.toBuilder().setHeader(headers.now()).build(), () -> MemberPromoteResponse.newBuilder()
                        .addAllMembers(members(keel.membership().promote(request.getID()))).setHeader(headers.now())
                        .build()));
    }

    @Override
    public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
        EtcdGrpcServer.answer(keel, observer, () -> atLeader(
                ch -> ClusterGrpc.newBlockingStub(ch).memberUpdate(request),
                r -> r.toBuilder().setHeader(headers.now()).build(), () -> MemberUpdateResponse.newBuilder()
                        .addAllMembers(members(keel.membership().updatePeerUrls(request.getID(),
                                request.getPeerURLsList())))
                        .setHeader(headers.now()).build()));
    }

    private static List<Member> members(List<MemberInfo> list) {
        return list.stream().map(ClusterService::member).toList();
    }

    private static Member member(MemberInfo m) {
        return Member.newBuilder().setID(m.id()).setName(m.name()).addAllPeerURLs(m.peerUrls())
                .addAllClientURLs(m.clientUrls()).setIsLearner(m.learner()).build();
    }
}
