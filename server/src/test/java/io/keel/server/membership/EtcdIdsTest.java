package io.keel.server.membership;

import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.cli.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Member and cluster ids as etcd 3.4 derives them. The expected values are what etcd 3.4.23 (/usr/bin/etcd) printed
 * on this machine for the same flags (docs/operations.md, "Member and cluster ids").
 */
class EtcdIdsTest {
    @Test
    void etcdsDefaultFlagsGiveEtcdsDefaultIds() {
        // etcd --name default: --initial-cluster default=http://localhost:2380, --initial-cluster-token etcd-cluster
        long member = EtcdIds.initialMember(List.of("http://localhost:2380"), "etcd-cluster");
        assertEquals(0x8e9e05c52164694dL, member);
        assertEquals(0xcdf818194e3a8c32L, EtcdIds.cluster(List.of(member)));
    }

    @Test
    void aThreeMemberClusterAndAMemberWithTwoUrlsGetEtcdsIds() {
        // etcd --initial-cluster e1=http://127.0.0.1:12380,e2=http://127.0.0.1:22380,e3=http://127.0.0.1:32380
        //      --initial-cluster-token tok-3
        long e1 = EtcdIds.initialMember(List.of("http://127.0.0.1:12380"), "tok-3");
        long e2 = EtcdIds.initialMember(List.of("http://127.0.0.1:22380"), "tok-3");
        long e3 = EtcdIds.initialMember(List.of("http://127.0.0.1:32380"), "tok-3");
        assertEquals(0xa1e17166fc360ef9L, e1);
        assertEquals(0x7f9c79c62226dbbeL, e2);
        assertEquals(0x7c7ba0707757ae90L, e3);
        assertEquals(0xa2b10cc9be6f34aaL, EtcdIds.cluster(List.of(e3, e1, e2)), "in any order");
        // etcd --initial-cluster e1=http://127.0.0.1:12381,e1=http://127.0.0.1:12380 --initial-cluster-token multi
        long multi = EtcdIds.initialMember(List.of("http://127.0.0.1:12381", "http://127.0.0.1:12380"), "multi");
        assertEquals(0xe1e9b2df89459612L, multi);
        assertEquals(0xb59abc7b5d6d68cdL, EtcdIds.cluster(List.of(multi)));
    }

    /** etcd's MemberAdd: the new member's peer URLs and the time of the add, in Unix seconds, without a token. */
    @Test
    void memberAddGivesTheIdEtcdWould(@TempDir Path dir) {
        // etcdctl member add x --peer-urls=http://127.0.0.1:40000 at 1796563959 (2026-12-06 13:32:39 UTC) printed:
        assertEquals(0x789b1c1ae0a07c2fL, EtcdIds.addedMember(List.of("http://127.0.0.1:40000"), 1796563959L));

        InetSocketAddress peer = FreePorts.loopback();
        try (Keel keel = Keel.builder().id(1).dataDir(dir.resolve("m1")).listen(peer)
                .initialCluster(Map.of(1L, peer)).start()) {
            Poll.until("the member leads", keel::isLeader);
            List<String> urls = List.of("http://127.0.0.1:" + FreePorts.next());
            long before = System.currentTimeMillis() / 1000;
            MemberInfo added = keel.membership().add(urls, true);
            long after = System.currentTimeMillis() / 1000;
            boolean etcds = false;
            for (long t = before; t <= after; t++) etcds |= added.id() == EtcdIds.addedMember(urls, t);
            assertTrue(etcds, "id " + Long.toHexString(added.id()) + " is etcd's for " + urls + " added between "
                    + before + " and " + after);
        }
    }
}
