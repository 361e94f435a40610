package io.keel.server.cli;

import java.lang.management.ManagementFactory;

/**
 * The main thread's CPU for building the launcher's picocli model and parsing a member's flags: {@code full} (every
 * subcommand, as every start did before) or {@code lean} (the member's flags only, what a member's start builds now;
 * LauncherCommandLine). One measurement per JVM, as at a start. In package io.keel.server.cli for
 * LauncherCommandLine; compiled and run against a built distribution, its class data archive included:
 * <pre>
 *   cd server/target/keel-0.1.0-SNAPSHOT
 *   javac -cp "lib/*" -d /tmp/pm ../../../benchmarks/startup/PicocliModelCost.java
 *   for i in 1 2 3 4 5; do for m in full lean; do
 *     java -XX:SharedArchiveFile=cds/keel-$(JDK version).jsa -cp "lib/*:/tmp/pm" io.keel.server.cli.PicocliModelCost $m
 *   done; done
 * </pre>
 */
public final class PicocliModelCost {
    public static void main(String[] args) {
        String[] member = {"--name", "m1", "--data-dir", "/tmp/m1.keel", "--initial-cluster-state", "new",
                "--listen-client-urls", "http://127.0.0.1:2379", "--advertise-client-urls", "http://127.0.0.1:2379",
                "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", "m1=http://127.0.0.1:2380,m2=http://127.0.0.1:2381,m3=http://127.0.0.1:2382"};
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long t0 = bean.getCurrentThreadCpuTime();
        long w0 = System.nanoTime();
        picocli.CommandLine cmd = args[0].equals("full") ? LauncherCommandLine.full() : LauncherCommandLine.membersOnly();
        cmd.setOverwrittenOptionsAllowed(true);
        cmd.parseArgs(member);
        long t1 = bean.getCurrentThreadCpuTime();
        long w1 = System.nanoTime();
        System.out.printf("%s model+parse: thread CPU %d ms, wall %d ms%n", args[0], (t1 - t0) / 1_000_000, (w1 - w0) / 1_000_000);
    }
}
