package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelCluster;
import io.keel.faults.cluster.KeelProcess;
import io.keel.faults.net.Network;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/** What a fault acts on: the cluster, its network, the timeline it writes to, and the run's seeded random. */
public final class Nemesis {
    public final KeelCluster cluster;
    public final Network net;
    public final Timeline timeline;
    public final Random random;

    public Nemesis(KeelCluster cluster, Timeline timeline, Random random) {
        this.cluster = cluster;
        this.net = cluster.network();
        this.timeline = timeline;
        this.random = random;
    }

    public KeelProcess leader() {
        return cluster.awaitLeader(KeelCluster.DEADLINE);
    }

    public List<KeelProcess> others(KeelProcess m) {
        return cluster.members().stream().filter(o -> o != m).collect(Collectors.toList());
    }

    public void note(String what) {
        timeline.note(what);
    }

    /** Restarts every member that is down on its data (a heal's last step). */
    public void restartStopped() {
        for (KeelProcess m : cluster.members()) {
            if (!m.isRunning()) {
                note("restart " + m.name + " on its data");
                cluster.restart(m, java.util.Map.of());
            }
        }
    }

    /** Holds the current phase (a fault, a quiet stretch, a recovery) for {@code d}: the duration is the test's subject. */
    public static void hold(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
