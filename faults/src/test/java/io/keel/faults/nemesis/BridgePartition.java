package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Two halves that cannot hear each other and one member, the bridge, that hears both (three members: {a} | b |
 * {c}; five: {a, b} | c | {d, e}). Each half with the bridge is a majority: at most one leader per term.
 */
public final class BridgePartition implements Fault {
    @Override
    public String name() {
        return "bridge";
    }

    @Override
    public void inject(Nemesis n) {
        List<KeelProcess> ms = new ArrayList<>(n.cluster.members());
        Collections.shuffle(ms, n.random);
        int half = (ms.size() - 1) / 2;
        List<KeelProcess> left = ms.subList(0, half);
        KeelProcess bridge = ms.get(half);
        List<KeelProcess> right = ms.subList(half + 1, ms.size());
        for (KeelProcess a : left) for (KeelProcess b : right) n.net.cut(a.slot, b.slot);
        n.note("bridge partition " + left + " | " + bridge.name + " | " + right + ": " + n.net.describeCuts());
    }

    @Override
    public void heal(Nemesis n) {
        n.net.heal();
        n.note("heal the network");
    }
}
