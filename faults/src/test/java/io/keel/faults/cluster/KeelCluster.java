package io.keel.faults.cluster;

import io.grpc.StatusRuntimeException;
import io.keel.faults.net.Network;
import io.keel.faults.net.SmallDisk;
import io.keel.server.etcd.proto.ClusterGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.MemberAddRequest;
import io.keel.server.etcd.proto.MemberAddResponse;
import io.keel.server.etcd.proto.MemberPromoteRequest;
import io.keel.server.etcd.proto.MemberRemoveRequest;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The Keel members of one run, one per network slot, and what the nemesis asks of them: who leads, restart one on
 * its data, replace one through etcd's Cluster API. The last initial member keeps its data on a {@link SmallDisk}
 * for the disk-full fault. Members added later take the next free slots.
 */
public final class KeelCluster implements AutoCloseable {
    /** Generous: several JVMs share a loaded 2-core machine. */
    public static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final String TOKEN = "keel-faults";

    private final Network net;
    private final Path distribution;
    private final Path runDir;
    private final Map<String, String> env;
    private final List<KeelProcess> members = new CopyOnWriteArrayList<>();
    private final Map<KeelProcess, Long> ids = new HashMap<>();
    private final String initialCluster;
    private final SmallDisk smallDisk;
    private final KeelProcess smallDiskMember;
    /** Slots of removed members, reused by the next added one (a long soak replaces members many times). */
    private final java.util.ArrayDeque<Integer> freeSlots = new java.util.ArrayDeque<>();
    private int nextSlot;
    private int nextName;

    private KeelCluster(Network net, Path distribution, Path runDir, int size, Map<String, String> env) {
        this.net = net;
        this.distribution = distribution;
        this.runDir = runDir;
        this.env = env;
        this.smallDisk = new SmallDisk(net.runId(), runDir, 512);
        for (int i = 1; i <= size; i++) {
            Path data = i == size ? smallDisk.root().resolve("m" + i) : runDir.resolve("data/m" + i);
            KeelProcess m = new KeelProcess("m" + i, i, net, distribution, data, logs());
            members.add(m);
            ids.put(m, idOf(m.peerUrl()));
        }
        this.smallDiskMember = members.get(size - 1);
        this.initialCluster = members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
        this.nextSlot = size + 1;
        this.nextName = size + 1;
    }

    /**
     * Starts {@code size} members as a new cluster, with {@code env} added to each one's environment (the injected
     * bugs), and waits for a leader known to all.
     */
    public static KeelCluster start(Network net, Path distribution, Path runDir, int size, Map<String, String> env) {
        try {
            Files.createDirectories(runDir.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KeelCluster c = new KeelCluster(net, distribution, runDir, size, env);
        try {
            for (KeelProcess m : c.members) m.start(c.flags(m, "new"), env);
            c.awaitLeader(DEADLINE);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private Path logs() {
        return runDir.resolve("logs");
    }

    private List<String> flags(KeelProcess m, String state) {
        return new ArrayList<>(List.of("--initial-cluster", initialCluster, "--initial-cluster-token", TOKEN,
                "--initial-cluster-state", state));
    }

    /** The current members (voters and a learner being added), in slot order. */
    public List<KeelProcess> members() {
        return List.copyOf(members);
    }

    public KeelProcess smallDiskMember() {
        return smallDiskMember;
    }

    public SmallDisk smallDisk() {
        return smallDisk;
    }

    public Network network() {
        return net;
    }

    public long id(KeelProcess m) {
        return ids.get(m);
    }

    /** The member added at runtime that is still in the cluster, if any (there is at most one: see MemberReplaced). */
    public Optional<KeelProcess> addedAtRuntime() {
        return members.stream().filter(joinedFlags::containsKey).findFirst();
    }

    /** Restarts {@code m} on its data; {@code extraEnv} (a fake clock) on top of the run's environment. */
    public void restart(KeelProcess m, Map<String, String> extraEnv) {
        Map<String, String> all = new HashMap<>(env);
        all.putAll(extraEnv);
        m.start(joinedFlags.getOrDefault(m, flags(m, "existing")), all);
    }

    /** The flags a member added at runtime was first started with: a restart repeats them, as with a builder. */
    private final Map<KeelProcess, List<String>> joinedFlags = new HashMap<>();

    /** The member that reports itself leader and is reported leader by a majority of the running members. */
    public Optional<KeelProcess> leader() {
        Map<Long, Integer> votes = new HashMap<>();
        int answered = 0;
        for (KeelProcess m : members) {
            Optional<StatusResponse> s = status(m);
            if (s.isEmpty()) continue;
            answered++;
            if (s.get().getLeader() != 0) votes.merge(s.get().getLeader(), 1, Integer::sum);
        }
        int voters = members.size();
        for (Map.Entry<Long, Integer> v : votes.entrySet()) {
            if (v.getValue() > voters / 2) {
                for (KeelProcess m : members) {
                    if (ids.get(m).equals(v.getKey())) {
                        Optional<StatusResponse> s = status(m);
                        if (s.isPresent() && s.get().getLeader() == ids.get(m)) return Optional.of(m);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Waits for {@link #leader()}; fails with every member's state when there is none in time. */
    public KeelProcess awaitLeader(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            Optional<KeelProcess> l = leader();
            if (l.isPresent()) return l.get();
            pollInterval(200);
        }
        throw new AssertionError("no leader within " + deadline.toSeconds() + " s: " + describe());
    }

    /** Each member's process state and the leader it reports, for timelines and failures. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (KeelProcess m : members) {
            b.append(m.name).append(m.isRunning() ? " running" : " down");
            status(m).ifPresentOrElse(s -> b.append(" leader=").append(Long.toHexString(s.getLeader()))
                    .append(" term=").append(s.getRaftTerm()), () -> b.append(" (no answer)"));
            b.append("; ");
        }
        return b.toString();
    }

    public Optional<StatusResponse> status(KeelProcess m) {
        if (!m.isRunning()) return Optional.empty();
        try {
            return Optional.of(MaintenanceGrpc.newBlockingStub(m.channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance()));
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Removes {@code victim} through the leader (etcd's MemberRemove), stops it and adds a new member in the next
     * slot as etcd's learner procedure does: MemberAdd as a learner, start it with the ids the add returned, and
     * MemberPromote once it caught up. Returns the new member.
     */
    public KeelProcess replace(KeelProcess victim) {
        retryAtLeader("remove " + victim.name, stub -> stub.memberRemove(
                MemberRemoveRequest.newBuilder().setID(ids.get(victim)).build()));
        members.remove(victim);
        victim.stop(20);
        freeSlots.add(victim.slot);
        victim.close();
        int slot = nextSlot <= net.slots() ? nextSlot++ : freeSlots.remove();
        String name = "m" + nextName++;
        KeelProcess added = new KeelProcess(name, slot, net, distribution, runDir.resolve("data/" + name), logs());
        MemberAddResponse r = retryAtLeader("add " + name, stub -> stub.memberAdd(MemberAddRequest.newBuilder()
                .addPeerURLs(added.peerUrl()).setIsLearner(true).build()));
        long id = r.getMember().getID();
        long clusterId = r.getHeader().getClusterId();
        ids.put(added, id);
        String current = initialCluster + "," + name + "=" + added.peerUrl();
        List<String> flags = new ArrayList<>(List.of("--initial-cluster", current, "--initial-cluster-token", TOKEN,
                "--initial-cluster-state", "existing", "--member-id", Long.toHexString(id),
                "--cluster-id", Long.toHexString(clusterId)));
        added.start(flags, env);
        joinedFlags.put(added, flags);
        members.add(added);
        retryAtLeader("promote " + name, stub -> stub.memberPromote(
                MemberPromoteRequest.newBuilder().setID(id).build()));
        return added;
    }

    private <T> T retryAtLeader(String what, java.util.function.Function<ClusterGrpc.ClusterBlockingStub, T> call) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < end) {
            Optional<KeelProcess> l = leader();
            if (l.isPresent()) {
                try {
                    return call.apply(ClusterGrpc.newBlockingStub(l.get().channel)
                            .withDeadlineAfter(10, TimeUnit.SECONDS));
                } catch (StatusRuntimeException e) {
                    last = e;
                }
            }
            pollInterval(300);
        }
        throw new AssertionError(what + " did not succeed within " + DEADLINE.toSeconds() + " s: " + last
                + "; " + describe());
    }

    /** Keel's member id for an initial member: etcd's, from its peer URL and the cluster token (docs/operations.md). */
    static long idOf(String peerUrl) {
        return io.keel.server.membership.EtcdIds.initialMember(List.of(peerUrl), TOKEN);
    }

    /** The pause between two polls of a condition that has a deadline (never a wait for a state by itself). */
    static void pollInterval(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Kills every member (kill -9: the run is over) and unmounts the small disk. */
    @Override
    public void close() {
        for (KeelProcess m : members) m.close();
        smallDisk.close();
    }
}
