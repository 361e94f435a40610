package io.keel.server.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for a member's executors. Every thread is a daemon (a member is stopped by its close, never kept
 * alive by an idle pool) and named after its job and member, so a thread dump, a profile or a log line says whose
 * thread it is.
 */
public final class NamedThreads {
    private NamedThreads() {
    }

    /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> daemon(r, prefix + "-" + n.incrementAndGet());
    }

    /** Threads all named {@code name}: for an executor that runs one thread at a time. */
    public static ThreadFactory single(String name) {
        return r -> daemon(r, name);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
