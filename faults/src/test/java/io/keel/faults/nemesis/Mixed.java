package io.keel.faults.nemesis;

import java.time.Duration;
import java.util.List;

/**
 * A mix of all: {@code steps} faults one after another, chosen by the seed, each held one to three seconds and
 * healed, a third of them overlapped with a leader kill (a kill during a partition). A fixed number of steps, not
 * a time, so that a seed replays the same choices however long each step takes.
 */
public final class Mixed implements Fault {
    private final List<Fault> faults;
    private final int steps;

    public Mixed(List<Fault> faults, int steps) {
        this.faults = faults;
        this.steps = steps;
    }

    @Override
    public String name() {
        return "mix";
    }

    @Override
    public void inject(Nemesis n) throws Exception {
        for (int step = 0; step < steps; step++) {
            Fault f = faults.get(n.random.nextInt(faults.size()));
            n.note("mix: " + f.name());
            f.inject(n);
            Fault second = null;
            if (n.random.nextInt(3) == 0) {
                second = new LeaderKilled();
                if (f instanceof LeaderPaused || f instanceof DiskFull) second = null;
                if (second != null) second.inject(n);
            }
            Nemesis.hold(Duration.ofMillis(1000 + n.random.nextInt(2000)));
            if (second != null) second.heal(n);
            f.heal(n);
            n.cluster.awaitLeader(io.keel.faults.cluster.KeelCluster.DEADLINE);
        }
    }

    @Override
    public void heal(Nemesis n) {
        n.net.heal();
        n.restartStopped();
    }
}
