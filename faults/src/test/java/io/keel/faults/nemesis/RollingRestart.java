package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelCluster;
import io.keel.faults.cluster.KeelProcess;

import java.time.Duration;
import java.util.Map;

/**
 * Every member in turn: SIGTERM (a leader hands leadership over first), wait for its exit, start it on its data,
 * wait until the cluster has a leader again before the next one (docs/operations.md's procedure).
 */
public final class RollingRestart implements Fault {
    @Override
    public String name() {
        return "rolling-restart";
    }

    @Override
    public void inject(Nemesis n) {
        for (KeelProcess m : n.cluster.members()) {
            int code = m.stop(30);
            n.note("SIGTERM " + m.name + ": exited " + code);
            if (code != 0) {
                throw new AssertionError(m.name + " exited " + code + " on SIGTERM, not 0. The end of its log:\n"
                        + m.outputTail(40));
            }
            n.cluster.restart(m, Map.of());
            n.note("started " + m.name + " on its data");
            n.cluster.awaitLeader(KeelCluster.DEADLINE);
            Nemesis.hold(Duration.ofSeconds(1));
        }
    }

    @Override
    public void heal(Nemesis n) {
        n.restartStopped();
    }
}
