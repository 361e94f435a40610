package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One member restarted under libfaketime (Debian's faketime package, LD_PRELOAD into its JVM): its wall clock
 * offset by minutes and every clock of it, monotonic ones included, running a few percent fast or slow, so its
 * election timeouts, heartbeats and lease timers drift against the others'. The JVM reads time through
 * clock_gettime, which libfaketime intercepts; FAKETIME_DONT_FAKE_MONOTONIC=0 makes System.nanoTime drift as well.
 * The heal restarts it with the true clock.
 */
public final class ClockSkewed implements Fault {
    static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");
    private KeelProcess skewed;

    @Override
    public String name() {
        return "clock-skew";
    }

    @Override
    public void inject(Nemesis n) {
        if (!Files.exists(LIBFAKETIME)) {
            throw new AssertionError("the clock fault needs libfaketime (" + LIBFAKETIME
                    + "): apt-get install faketime (.ci/run installs it)");
        }
        KeelProcess leader = n.leader();
        skewed = n.random.nextBoolean() ? leader : n.others(leader).get(0);
        int offset = (n.random.nextBoolean() ? 1 : -1) * (30 + n.random.nextInt(600));
        String rate = n.random.nextBoolean() ? "1.05" : "0.95";
        String spec = (offset > 0 ? "+" : "") + offset + "s x" + rate;
        skewed.stop(30);
        n.cluster.restart(skewed, Map.of("LD_PRELOAD", LIBFAKETIME.toString(), "FAKETIME", spec,
                "FAKETIME_DONT_FAKE_MONOTONIC", "0"));
        n.note("restarted " + skewed.name + (skewed == leader ? " (was leader)" : "") + " under libfaketime '"
                + spec + "'");
    }

    @Override
    public void heal(Nemesis n) {
        if (skewed != null) {
            skewed.stop(30);
            n.cluster.restart(skewed, Map.of());
            n.note("restarted " + skewed.name + " with the true clock");
            skewed = null;
        }
        n.restartStopped();
    }
}
