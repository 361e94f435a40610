package io.keel.server.space;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.keel.server.Keel;
import io.keel.server.concurrent.NamedThreads;
import io.keel.server.etcd.proto.HashKVRequest;
import io.keel.server.etcd.proto.HashKVResponse;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.membership.MemberInfo;
import io.keel.server.tls.MemberClientChannels;
import io.keel.storage.mvcc.api.AlarmRequest;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.KeyspaceHash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * etcd's periodic corruption check ({@code --experimental-corrupt-check-time}): every interval the leader takes its
 * own HashKV at its current revision and asks every other voting member, over its client URL (http or https,
 * {@link MemberClientChannels}), for its HashKV at that same revision. Members that answer for the same revision
 * with the same compacted revision must have the same hash; a member whose hash differs from the one most members
 * share (the leader's, on a tie) gets the CORRUPT alarm, raised through Raft. The leader raises it against itself
 * when it is the one that differs.
 *
 * <p>Once raised, the cluster refuses client writes (etcd's corrupt applier) and the corrupt member refuses every
 * client request but Maintenance (so it can be inspected and disarmed), rather than serve diverged data. A member
 * that is behind (FUTURE_REVISION), compacted differently or unreachable is skipped this round.
 */
public final class CorruptionCheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CorruptionCheck.class);

    private final Keel keel;
    private final MemberClientChannels members;
    private final ScheduledExecutorService timer;
    /** Channels to other members' client URLs, by URL (timer thread only). */
    private final Map<String, ManagedChannel> channels = new HashMap<>();

    private CorruptionCheck(Keel keel, Duration every, MemberClientChannels members) {
        this.keel = keel;
        this.members = members;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                NamedThreads.single("keel-corrupt-check-" + Long.toHexString(keel.memberId())));
        timer.scheduleWithFixedDelay(this::checkQuietly, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
        LOG.info("member {}: checking the members' hashes every {}", Long.toHexString(keel.memberId()), every);
    }

    /** Starts the check, or returns null for {@link Duration#ZERO} (off). */
    static CorruptionCheck start(Keel keel, Duration every, MemberClientChannels members) {
        return every.isZero() ? null : new CorruptionCheck(keel, every, members);
    }

    private void checkQuietly() {
        try {
            if (keel.isLeader()) check();
        } catch (RuntimeException e) {
            LOG.warn("corruption check failed: {}", e.toString());
        }
    }

    /** One round at the leader. */
    void check() {
        KeyspaceHash own = keel.hashKV(0);
        Map<Long, Integer> hashes = new LinkedHashMap<>();
        hashes.put(keel.memberId(), own.hash());
        for (MemberInfo m : keel.membership().list()) {
            if (m.id() == keel.memberId() || m.learner()) continue;
            HashKVResponse r = ask(members, channels, m, own.revision());
            if (r == null || r.getCompactRevision() != own.compactRevision()) continue;
            hashes.put(m.id(), r.getHash());
        }
        int agreed = mostCommon(hashes, own.hash());
        List<io.keel.storage.mvcc.api.AlarmMember> raised = keel.appliedAlarms();
        hashes.forEach((id, hash) -> {
            if (hash == agreed || raised.contains(new io.keel.storage.mvcc.api.AlarmMember(id, AlarmType.CORRUPT))) return;
            LOG.error("member {}'s key-value hash at revision {} is {}, most members' is {}: raising the CORRUPT"
                    + " alarm for it", Long.toHexString(id), own.revision(), Integer.toUnsignedString(hash),
                    Integer.toUnsignedString(agreed));
            keel.alarmAsync(new AlarmRequest(AlarmRequest.Action.ACTIVATE, id, AlarmType.CORRUPT)).join();
        });
    }

    /**
     * etcd's --experimental-initial-corrupt-check, before a member serves clients: the members whose HashKV at this
     * member's current revision (and compacted revision) differs from this member's own. Members that cannot answer
     * for that revision (behind, compacted past it, down) are not compared, as in etcd.
     */
    public static List<Long> peersThatDiffer(Keel keel, MemberClientChannels members) {
        Map<String, ManagedChannel> channels = new HashMap<>();
        try {
            KeyspaceHash own = keel.hashKV(0);
            List<Long> differ = new java.util.ArrayList<>();
            for (MemberInfo m : keel.membership().list()) {
                if (m.id() == keel.memberId() || m.learner()) continue;
                HashKVResponse r = ask(members, channels, m, own.revision());
                if (r == null || r.getCompactRevision() != own.compactRevision()) continue;
                if (r.getHash() != own.hash()) {
                    LOG.error("member {}'s key-value hash at revision {} is {}, this member's is {}",
                            Long.toHexString(m.id()), own.revision(), Integer.toUnsignedString(r.getHash()),
                            Integer.toUnsignedString(own.hash()));
                    differ.add(m.id());
                }
            }
            return differ;
        } finally {
            channels.values().forEach(ManagedChannel::shutdownNow);
        }
    }

    /** The hash most members have; the leader's own on a tie. */
    private static int mostCommon(Map<Long, Integer> hashes, int leaders) {
        Map<Integer, Integer> counts = new HashMap<>();
        hashes.values().forEach(h -> counts.merge(h, 1, Integer::sum));
        int best = leaders;
        for (var e : counts.entrySet()) {
            if (e.getValue() > counts.get(best)) best = e.getKey();
        }
        return best;
    }

    /** {@code m}'s HashKV at {@code revision}, or null when it cannot answer for it now. */
    private static HashKVResponse ask(MemberClientChannels members, Map<String, ManagedChannel> channels,
                                      MemberInfo m, long revision) {
        for (String url : m.clientUrls()) {
            if (!MemberClientChannels.isClientUrl(url)) continue;
            ManagedChannel channel = channels.computeIfAbsent(url, u -> members.builder(u).build());
            try {
                return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .hashKV(HashKVRequest.newBuilder().setRevision(revision).build());
            } catch (StatusRuntimeException e) {
                // Behind (a future revision), compacted past it, down: not comparable this round.
                LOG.debug("member {} did not give its hash at revision {}: {}", Long.toHexString(m.id()), revision,
                        e.getStatus());
            }
        }
        return null;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
