package io.keel.faults.run;

import io.keel.faults.nemesis.BridgePartition;
import io.keel.faults.nemesis.ClockSkewed;
import io.keel.faults.nemesis.DiskFull;
import io.keel.faults.nemesis.Fault;
import io.keel.faults.nemesis.LeaderIsolated;
import io.keel.faults.nemesis.LeaderKilled;
import io.keel.faults.nemesis.FollowerPaused;
import io.keel.faults.nemesis.LeaderPaused;
import io.keel.faults.nemesis.MemberReplaced;
import io.keel.faults.nemesis.Mixed;
import io.keel.faults.nemesis.OneWayLoss;
import io.keel.faults.nemesis.RollingRestart;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The nemesis's schedules: every fault once (CI's short run), or a seeded random sequence (a soak). */
public final class Schedules {
    private Schedules() {
    }

    /** The faults the mix draws from: the quick ones (a rolling restart or a clock restart would fill its hold). */
    static List<Fault> mixable() {
        return List.of(new LeaderIsolated(), new BridgePartition(), new OneWayLoss(), new LeaderKilled(),
                new LeaderPaused(), new DiskFull(), new MemberReplaced());
    }

    /** Every fault once, in a fixed order, the mix last. */
    public static List<Fault> eachOnce(int mixSteps) {
        return List.of(new LeaderIsolated(), new BridgePartition(), new OneWayLoss(), new LeaderKilled(),
                new LeaderPaused(), new FollowerPaused(), new RollingRestart(), new ClockSkewed(), new DiskFull(),
                new MemberReplaced(), new Mixed(mixable(), mixSteps));
    }

    /** The faults named, in that order, repeats allowed (-Dkeel.faults.only=member-replaced,member-replaced). */
    public static List<Fault> named(List<String> names, int mixSteps) {
        List<Fault> out = new ArrayList<>();
        for (String name : names) {
            out.add(eachOnce(mixSteps).stream().filter(f -> f.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no fault named " + name + "; the faults: "
                            + eachOnce(mixSteps).stream().map(Fault::name).toList())));
        }
        return out;
    }

    /** {@code count} faults drawn by {@code seed}: the same seed gives the same sequence. */
    public static List<Fault> random(long seed, int count, int mixSteps) {
        Random r = new Random(seed ^ 0x5DEECE66DL);
        List<Fault> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Fault> all = eachOnce(mixSteps);
            out.add(all.get(r.nextInt(all.size())));
        }
        return out;
    }

    /** The seed given with -Dkeel.faults.seed, or a new one (printed with the replay command). */
    public static long seed() {
        String s = System.getProperty("keel.faults.seed");
        return s == null || s.isBlank() ? System.nanoTime() % 1_000_000 : Long.parseLong(s);
    }
}
