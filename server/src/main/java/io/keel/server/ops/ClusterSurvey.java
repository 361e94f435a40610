package io.keel.server.ops;

import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.server.Keel;
import io.keel.server.membership.MemberInfo;
import io.keel.transport.TransportStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The view behind the cluster page: this member's own facts read directly, every other member in its directory
 * asked over etcd's Maintenance.Status on its client URL, all at once with a short deadline, so a dead member delays
 * the page by at most {@link #DEADLINE} and the page still shows what this member knows. Views are reused for
 * {@link #REUSE_MILLIS}: several open pages or a scrape burst cost one round of questions.
 */
public final class ClusterSurvey implements AutoCloseable {
    static final Duration DEADLINE = Duration.ofMillis(1500);
    static final long REUSE_MILLIS = 500;

    private final Keel keel;
    private final KeelMetrics metrics;
    private final StatusProbe probe;
    private final AppliedProgress progress = new AppliedProgress();
    /** member id to when it last answered (epoch ms), for "last contact". */
    private final Map<Long, Long> lastAnswer = new ConcurrentHashMap<>();
    private ClusterView last;

    public ClusterSurvey(Keel keel, KeelMetrics metrics) {
        this(keel, metrics, new StatusProbe());
    }

    /** Asks the other members with {@code probe} (TLS credentials for https:// client URLs). */
    public ClusterSurvey(Keel keel, KeelMetrics metrics, StatusProbe probe) {
        this.probe = probe;
        this.keel = keel;
        this.metrics = metrics;
    }

    public synchronized ClusterView view() {
        long now = System.currentTimeMillis();
        if (last != null && now - last.at() < REUSE_MILLIS) return last;
        last = survey();
        return last;
    }

    private ClusterView survey() {
        // By name, so rows keep their places from one refresh to the next.
        List<MemberInfo> directory = keel.membership().list().stream()
                .sorted(java.util.Comparator.comparing(MemberInfo::name).thenComparing(MemberInfo::id)).toList();
        Map<Long, CompletableFuture<MemberFacts>> asked = new LinkedHashMap<>();
        for (MemberInfo info : directory) {
            if (info.id() == keel.memberId()) continue;
            asked.put(info.id(), ask(info));
        }
        MemberFacts self = self(directory);
        List<MemberFacts> members = new ArrayList<>();
        boolean selfListed = false;
        for (MemberInfo info : directory) {
            if (info.id() == keel.memberId()) {
                members.add(self);
                selfListed = true;
            } else {
                members.add(asked.get(info.id()).join());
            }
        }
        if (!selfListed) members.add(0, self); // not in its own directory yet (catching up) or removed

        long now = System.currentTimeMillis();
        LeaderHistory history = metrics.history();
        history.record(now, LeaderHistory.SELF, self.term(), self.leaderId());
        for (MemberFacts m : members) {
            if (m.reached() && m.id() != keel.memberId()) history.record(now, m.id(), m.term(), m.leaderId());
        }
        ClusterView draft = new ClusterView(now, keel.memberId(), keel.clusterId(), members, peerLinks(directory),
                List.of(), List.of());
        Map<Long, Long> stuck = new HashMap<>();
        draft.leader().ifPresent(leader -> {
            for (MemberFacts m : members) {
                if (!m.reached()) continue;
                long ms = progress.stuckFor(m.id(), m.appliedIndex(), leader.commitIndex(), now);
                if (ms > 0) stuck.put(m.id(), ms);
            }
        });
        List<LeaderHistory.Entry> entries = history.entries(now).stream().map(this::named).toList();
        List<LeaderHistory.Disagreement> disagreements = history.disagreements(now).stream()
                .map(d -> new LeaderHistory.Disagreement(d.term(), selfNamed(d.saidBy()))).toList();
        List<String> warnings = ClusterWarnings.of(members, disagreements, stuck, draft::nameOf);
        return new ClusterView(now, keel.memberId(), keel.clusterId(), members, draft.peerLinks(), warnings, entries);
    }

    private CompletableFuture<MemberFacts> ask(MemberInfo info) {
        if (info.clientUrls().isEmpty()) {
            return CompletableFuture.completedFuture(MemberFacts.unreachable(info,
                    "has not announced a client URL (not started yet?)", lastAnswer.getOrDefault(info.id(), 0L)));
        }
        String url = info.clientUrls().get(0);
        return probe.status(url, DEADLINE).handle((s, failure) -> {
            long now = System.currentTimeMillis();
            if (failure != null) {
                return MemberFacts.unreachable(info, url + ": " + StatusProbe.describe(failure),
                        lastAnswer.getOrDefault(info.id(), 0L));
            }
            lastAnswer.put(info.id(), now);
            return MemberFacts.answered(info, s, now);
        });
    }

    /** This member, read directly: it is the one member whose facts never depend on the network. */
    private MemberFacts self(List<MemberInfo> directory) {
        SoftState s = keel.state();
        MemberInfo info = directory.stream().filter(m -> m.id() == keel.memberId()).findFirst().orElse(null);
        boolean learner = info != null && info.learner();
        String role = learner && s.role() == Role.FOLLOWER ? "learner"
                : s.role().name().toLowerCase().replace('_', '-');
        List<String> alarms = new ArrayList<>();
        Throwable failure = metrics.failure();
        if (failure != null) alarms.add("member stopped after a failure: " + StatusProbe.describe(failure));
        else {
            // The replicated alarms (NOSPACE, CORRUPT), as etcd's Status lists them among the other members' errors.
            for (var a : keel.appliedAlarms()) {
                alarms.add(("memberID:" + Long.toUnsignedString(a.memberId()) + " alarm:" + a.type().name()));
            }
        }
        return new MemberFacts(keel.memberId(), info == null ? "" : info.name(), role, s.term(), s.leaderId(),
                Math.max(keel.commitIndex(), keel.appliedIndex()), keel.appliedIndex(), learner,
                info == null ? List.of() : info.clientUrls(), info == null ? List.of() : info.peerUrls(), alarms,
                null, System.currentTimeMillis());
    }

    private Map<Long, String> peerLinks(List<MemberInfo> directory) {
        Map<Long, TransportStats.PeerStats> peers = keel.transportStats().peers();
        Map<Long, String> links = new HashMap<>();
        for (MemberInfo m : directory) {
            if (m.id() == keel.memberId()) continue;
            TransportStats.PeerStats p = peers.get(m.id());
            links.put(m.id(), p != null && p.connected() ? "connected" : "down");
        }
        return links;
    }

    private LeaderHistory.Entry named(LeaderHistory.Entry e) {
        return e.observer() != LeaderHistory.SELF ? e
                : new LeaderHistory.Entry(e.at(), keel.memberId(), e.term(), e.leader());
    }

    private Map<Long, List<Long>> selfNamed(Map<Long, List<Long>> saidBy) {
        Map<Long, List<Long>> out = new LinkedHashMap<>();
        saidBy.forEach((leader, observers) -> out.put(leader, observers.stream()
                .map(o -> o == LeaderHistory.SELF ? keel.memberId() : o).distinct().toList()));
        return out;
    }

    @Override
    public void close() {
        probe.close();
    }
}
