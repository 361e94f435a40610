package io.keel.faults.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Closes what a run opened (member processes, mounts, networks) when the JVM ends without closing them: an
 * interrupted build (Ctrl-C), a forked test JVM killed at its timeout. A kill -9 of the JVM leaves them to
 * faults/cleanup.sh. Closed newest first, so processes go before the namespaces they run in.
 */
public final class Teardown {
    private static final Set<AutoCloseable> OPEN = Collections.synchronizedSet(new LinkedHashSet<>());

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Teardown::closeAll, "keel-faults-teardown"));
    }

    private Teardown() {
    }

    public static void register(AutoCloseable c) {
        OPEN.add(c);
    }

    public static void unregister(AutoCloseable c) {
        OPEN.remove(c);
    }

    private static void closeAll() {
        List<AutoCloseable> all;
        synchronized (OPEN) {
            all = new ArrayList<>(OPEN);
        }
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("keel-faults: teardown of " + c + " failed: " + e);
            }
        }
    }
}
