package io.keel.faults.nemesis;

import java.time.Duration;
import java.util.List;

/**
 * A mix of all: for its hold, one fault after another chosen by the seed, each held a second or three and healed,
 * with overlaps of network faults and process faults (a kill during a partition).
 */
public final class Mixed implements Fault {
    private final List<Fault> faults;
    private final Duration hold;

    public Mixed(List<Fault> faults, Duration hold) {
        this.faults = faults;
        this.hold = hold;
    }

    @Override
    public String name() {
        return "mix";
    }

    @Override
    public void inject(Nemesis n) throws Exception {
        long end = System.nanoTime() + hold.toNanos();
        while (System.nanoTime() < end) {
            Fault f = faults.get(n.random.nextInt(faults.size()));
            n.note("mix: " + f.name());
            f.inject(n);
            Fault second = null;
            if (n.random.nextInt(3) == 0) {
                second = new LeaderKilled();
                if (f instanceof LeaderPaused || f instanceof DiskFull) second = null;
                if (second != null) second.inject(n);
            }
            Nemesis.sleep(Duration.ofMillis(1000 + n.random.nextInt(2000)));
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
