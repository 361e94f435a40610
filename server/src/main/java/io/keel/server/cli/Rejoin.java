package io.keel.server.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.etcd.proto.ClusterGrpc;
import io.keel.server.etcd.proto.Member;
import io.keel.server.etcd.proto.MemberAddRequest;
import io.keel.server.etcd.proto.MemberAddResponse;
import io.keel.server.etcd.proto.MemberListRequest;
import io.keel.server.etcd.proto.MemberPromoteRequest;
import io.keel.server.etcd.proto.MemberRemoveRequest;
import io.keel.server.tls.MemberClientChannels;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code --rejoin-via <client URLs>}: bring back, in one step, a member whose data directory is gone (wiped or
 * replaced disk). Its peers refuse it under its old id (it forgot what it acknowledged), so it must come back as a
 * new member; this does the documented procedure for the operator, through the running members' client API (any
 * member: changes are forwarded to the leader):
 * <ol>
 *   <li>refuses unless the data directory is empty or absent (a member with data restarts normally);</li>
 *   <li>removes the member the cluster lists at this member's peer URL, if any (the old incarnation);</li>
 *   <li>adds a learner at that peer URL and starts this member under the new id and the cluster's id, with the
 *   current members as its initial cluster (as {@code --member-id}/{@code --cluster-id} would);</li>
 *   <li>once it has caught up, promotes it, if the member it replaces was a voter (a background thread that asks
 *   again until the leader accepts, as an operator would).</li>
 * </ol>
 * Every step is one of etcd's Cluster calls, checked at the leader (including --strict-reconfig-check); a refusal
 * stops the launcher with the leader's error before anything is started.
 */
final class Rejoin {
    private static final long CALL_SECONDS = 30;

    private Rejoin() {
    }

    /** The settings to start with: {@code s} itself without --rejoin-via, else those of the new member. */
    static MemberSettings prepare(MemberSettings s, PrintStream out) {
        if (s.rejoinVia() == null) return s;
        if (s.newCluster()) {
            throw LaunchException.usage("--rejoin-via joins a running cluster: it needs --initial-cluster-state"
                    + " existing");
        }
        if (s.joinClusterId() != 0) {
            throw LaunchException.usage("--rejoin-via gets the member and cluster ids from the cluster: drop"
                    + " --member-id and --cluster-id");
        }
        requireNoData(s.dataDir());
        String peerUrl = String.join(",", s.urls().peerAdvertise());
        List<String> endpoints = endpoints(s.rejoinVia());
        StatusRuntimeException last = null;
        MemberClientChannels channels = MemberClientChannels.of(s.clientTls());
        for (String endpoint : endpoints) {
            ManagedChannel channel = channels.builder(endpoint).build();
            try {
                return replace(s, peerUrl, ClusterGrpc.newBlockingStub(channel), endpoints, out);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) throw refused(e);
                last = e; // not reachable, or no leader there: try the next endpoint
            } finally {
                channel.shutdownNow();
            }
        }
        throw refused(last);
    }

    private static MemberSettings replace(MemberSettings s, String peerUrl, ClusterGrpc.ClusterBlockingStub cluster,
                                          List<String> endpoints, PrintStream out) {
        boolean voter = true;
        for (Member m : stub(cluster).memberList(MemberListRequest.getDefaultInstance()).getMembersList()) {
            if (m.getPeerURLsList().stream().noneMatch(s.urls().peerAdvertise()::contains)) continue;
            voter = !m.getIsLearner();
            stub(cluster).memberRemove(MemberRemoveRequest.newBuilder().setID(m.getID()).build());
            out.println("keel: removed member " + Long.toHexString(m.getID()) + " (" + (m.getName().isEmpty()
                    ? "unstarted" : m.getName()) + ") at " + peerUrl + ": its data directory is gone");
        }
        MemberAddResponse added = stub(cluster).memberAdd(MemberAddRequest.newBuilder()
                .addAllPeerURLs(s.urls().peerAdvertise())
                .setIsLearner(true).build());
        long id = added.getMember().getID();
        long clusterId = added.getHeader().getClusterId();
        out.println("keel: added member " + Long.toHexString(id) + " at " + peerUrl + " to cluster "
                + Long.toHexString(clusterId) + " as a learner" + (voter ? "; it is promoted once it caught up" : ""));
        out.flush();
        Map<Long, InetSocketAddress> initial = new LinkedHashMap<>();
        Map<Long, List<String>> initialUrls = new LinkedHashMap<>();
        Map<Long, String> names = new LinkedHashMap<>();
        for (Member m : added.getMembersList()) {
            if (m.getPeerURLsCount() == 0) continue;
            List<String> urls = m.getID() == id ? s.urls().peerAdvertise() : m.getPeerURLsList();
            initialUrls.put(m.getID(), urls);
            java.net.InetSocketAddress first = Urls.firstInet(Urls.socketAddresses("the cluster's member list", urls));
            if (first != null) initial.put(m.getID(), first);
            names.put(m.getID(), m.getID() == id ? s.name() : m.getName());
        }
        if (voter) promoteWhenCaughtUp(id, endpoints, MemberClientChannels.of(s.clientTls()), out);
        return new MemberSettings(s.name(), id, s.dataDir(), s.clientListen(), s.advertiseClientUrls(),
                s.peerListen(), s.peerAdvertise(), initial, names, false, s.clusterToken(), s.metricsListen(),
                s.heartbeatInterval(), s.electionTimeout(), clusterId, s.leaseCheckpointInterval(),
                s.snapshotEntries(), s.clientLimits(), s.watchProgressInterval(), s.notices(), s.space(),
                s.clientTls(), s.peerTls(), s.strictReconfigCheck(), s.rejoinVia(), s.authTokens(),
                s.urls().withInitialPeerUrls(initialUrls));
    }

    /**
     * A daemon thread that asks for the promotion every second until the leader accepts it ("in sync with leader"
     * and the incarnation published are the usual refusals before that), or refuses it for good.
     */
    private static void promoteWhenCaughtUp(long id, List<String> endpoints, MemberClientChannels channels,
                                            PrintStream out) {
        Thread t = new Thread(() -> {
            int next = 0;
            while (true) {
                ManagedChannel channel = channels.builder(endpoints.get(next++ % endpoints.size())).build();
                try {
                    stub(ClusterGrpc.newBlockingStub(channel))
                            .memberPromote(MemberPromoteRequest.newBuilder().setID(id).build());
                    out.println("keel: member " + Long.toHexString(id) + " promoted to voter");
                    out.flush();
                    return;
                } catch (StatusRuntimeException e) {
                    String d = String.valueOf(e.getStatus().getDescription());
                    if (!d.contains("in sync with leader") && e.getStatus().getCode() != Status.Code.UNAVAILABLE
                            && e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
                        out.println("keel: member " + Long.toHexString(id) + " not promoted: " + d
                                + " (promote it with etcdctl member promote " + Long.toHexString(id) + ")");
                        out.flush();
                        return;
                    }
                } finally {
                    channel.shutdownNow();
                }
                try {
                    TimeUnit.SECONDS.sleep(1); // a retry interval between requests to the cluster
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "keel-rejoin-promote");
        t.setDaemon(true);
        t.start();
    }

    private static void requireNoData(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw LaunchException.usage("--rejoin-via is for a member whose data directory is gone, but " + dir
                        + " is not empty: start the member without it (or move the directory away if it is"
                        + " damaged)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> endpoints(String text) {
        List<String> list = new ArrayList<>();
        for (String e : text.split(",")) {
            String t = e.trim();
            if (t.isEmpty()) continue;
            String url = t.contains("://") ? t : "http://" + t;
            Urls.address("--rejoin-via", url);
            list.add(url);
        }
        if (list.isEmpty()) throw LaunchException.usage("--rejoin-via: expected client URLs of running members");
        return list;
    }

    private static ClusterGrpc.ClusterBlockingStub stub(ClusterGrpc.ClusterBlockingStub s) {
        return s.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
    }

    private static LaunchException refused(StatusRuntimeException e) {
        return new LaunchException(ExitCodes.REFUSED, "--rejoin-via: the cluster refused: " + (e == null ? "no endpoint"
                : e.getStatus().getDescription() == null ? e.getStatus().getCode().toString()
                : e.getStatus().getDescription()) + "; nothing was started");
    }
}
