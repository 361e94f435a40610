package io.keel.faults.net;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * One run's private network: a Linux bridge in the root namespace and one network namespace per member slot, each
 * joined to the bridge by a veth pair, on a /24 of 10.77.0.0/16 that exists only here. Member slot {@code i} has
 * 10.77.S.i; the bridge itself has 10.77.S.254, which is how the test JVM (the clients) reaches the members: a
 * partition cuts member-to-member routes only, so clients keep talking to both sides, as Jepsen's do. The
 * namespaces have no default route: nothing they send leaves the bridge.
 *
 * <p>Every name starts with {@value #PREFIX} and carries a random run id (namespaces {@code keelf-<id>-m<i>}, links
 * {@code keelf<id>b} and {@code keelf<id>v<i>}), so a run never meets another run's leftovers and faults/cleanup.sh
 * removes only what a run made.
 *
 * <p>Faults are blackhole routes inside a namespace: a route {@code blackhole 10.77.S.j/32} in member i's
 * namespace drops everything i sends to j. Both directions make a symmetric cut; one makes a one-way loss.
 */
public final class Network implements AutoCloseable {
    public static final String PREFIX = "keelf";
    public static final int CLIENT_SLOT = 254;

    private final String runId;
    private final int subnet;
    private final int slots;
    private final Set<String> cuts = new HashSet<>(); // "from>to"
    private boolean closed;

    private Network(String runId, int subnet, int slots) {
        this.runId = runId;
        this.subnet = subnet;
        this.slots = slots;
    }

    /** Creates the bridge and {@code slots} namespaces (slots 1..slots). Fails with what to do when it cannot. */
    public static Network create(int slots) {
        String id = HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
        Network n = new Network(id, freeSubnet(), slots);
        Teardown.register(n);
        try {
            n.build();
            return n;
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
    }

    public String runId() {
        return runId;
    }

    public int slots() {
        return slots;
    }

    public String namespace(int slot) {
        return PREFIX + "-" + runId + "-m" + slot;
    }

    public String address(int slot) {
        return "10.77." + subnet + "." + slot;
    }

    private String bridge() {
        return PREFIX + runId + "b";
    }

    private String veth(int slot) {
        return PREFIX + runId + "v" + slot;
    }

    private void build() {
        Shell.Result first = Shell.attempt("ip", "link", "add", "name", bridge(), "type", "bridge");
        if (!first.ok()) {
            throw new IllegalStateException("the fault suite needs root and network namespaces (ip link, ip netns;"
                    + " CI runs as root) but 'ip link add ... type bridge' failed: " + first.output().strip()
                    + ". Run it as root on Linux with iproute2; it does not skip");
        }
        Shell.run("ip", "addr", "add", address(CLIENT_SLOT) + "/24", "dev", bridge());
        Shell.run("ip", "link", "set", bridge(), "up");
        for (int i = 1; i <= slots; i++) {
            String ns = namespace(i);
            Shell.run("ip", "netns", "add", ns);
            Shell.run("ip", "link", "add", veth(i), "type", "veth", "peer", "name", "eth0", "netns", ns);
            Shell.run("ip", "link", "set", veth(i), "master", bridge(), "up");
            Shell.run("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
            Shell.run("ip", "-n", ns, "link", "set", "eth0", "up");
            Shell.run("ip", "-n", ns, "link", "set", "lo", "up");
        }
    }

    /** Drops everything {@code from} sends to {@code to} (one direction). */
    public synchronized void drop(int from, int to) {
        if (cuts.add(from + ">" + to)) {
            Shell.run("ip", "-n", namespace(from), "route", "replace", "blackhole", address(to) + "/32");
        }
    }

    /** Cuts both directions between {@code a} and {@code b}. */
    public void cut(int a, int b) {
        drop(a, b);
        drop(b, a);
    }

    /** Removes every cut: the full mesh again. */
    public synchronized void heal() {
        for (String c : cuts) {
            String[] ends = c.split(">");
            Shell.attempt("ip", "-n", namespace(Integer.parseInt(ends[0])), "route", "del", "blackhole",
                    address(Integer.parseInt(ends[1])) + "/32");
        }
        cuts.clear();
    }

    /** The cuts in place, for the timeline. */
    public synchronized String describeCuts() {
        return cuts.isEmpty() ? "none" : String.join(" ", cuts);
    }

    /** Deletes the namespaces (their veth ends go with them) and the bridge; best effort, all of them. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (int i = 1; i <= slots; i++) Shell.attempt("ip", "netns", "del", namespace(i));
        Shell.attempt("ip", "link", "del", bridge());
        Teardown.unregister(this);
    }

    /** A third octet no route of this machine uses yet, so two runs (or a leftover) never share a subnet. */
    private static int freeSubnet() {
        String routes = Shell.attempt("ip", "route", "show").output() + Shell.attempt("ip", "addr", "show").output();
        SecureRandom r = new SecureRandom();
        for (int attempt = 0; attempt < 100; attempt++) {
            int s = 1 + r.nextInt(250);
            if (!routes.contains("10.77." + s + ".")) return s;
        }
        throw new IllegalStateException("no free 10.77.x.0/24 subnet: run faults/cleanup.sh");
    }
}
