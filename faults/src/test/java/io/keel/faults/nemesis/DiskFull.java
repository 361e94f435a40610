package io.keel.faults.nemesis;

import io.keel.faults.cluster.KeelProcess;

import java.util.OptionalInt;

/**
 * The small-disk member's filesystem (ext2 on a loop device) filled to the last byte. Keel must stop that member cleanly (fail-stop, exit
 * code 1, having acknowledged nothing it could not write) while the others go on; the heal frees the space and
 * restarts it on its data, to catch up.
 */
public final class DiskFull implements Fault {
    @Override
    public String name() {
        return "disk-full";
    }

    @Override
    public void inject(Nemesis n) {
        KeelProcess victim = n.cluster.smallDiskMember();
        n.cluster.smallDisk().fill();
        n.note("filled " + victim.name + "'s data filesystem to the last byte");
        OptionalInt code = victim.awaitExit(30);
        if (code.isEmpty()) {
            throw new AssertionError(victim.name + " still runs 30 s after its disk filled up, under writes");
        }
        n.note(victim.name + " stopped with exit code " + code.getAsInt());
        if (code.getAsInt() != 1) {
            throw new AssertionError(victim.name + " exited " + code.getAsInt()
                    + " on a full disk; a storage failure must stop it with exit code 1 (fail-stop). The end of its log:\n"
                    + victim.outputTail(40));
        }
    }

    @Override
    public void heal(Nemesis n) {
        n.cluster.smallDisk().free();
        n.note("freed " + n.cluster.smallDiskMember().name + "'s filesystem");
        n.restartStopped();
    }
}
