package io.keel.server.member;

import io.keel.storage.mvcc.MvccStore;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The member's MVCC store, which a snapshot from the leader replaces wholesale. Readers go through
 * {@link #read}, so the old store is never closed under a read; the apply thread, the only one that replaces it,
 * uses {@link #current} directly.
 */
final class StoreRef implements AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile MvccStore store;

    StoreRef(MvccStore store) {
        this.store = store;
    }

    <T> T read(Function<MvccStore, T> query) {
        lock.readLock().lock();
        try {
            return query.apply(store);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** For the apply thread (and start-up): the store as it is now. */
    MvccStore current() {
        return store;
    }

    /** Closes the current store, then opens its replacement; readers wait meanwhile. */
    void replace(Runnable betweenCloseAndOpen, Supplier<MvccStore> reopen) {
        lock.writeLock().lock();
        try {
            store.close();
            betweenCloseAndOpen.run();
            store = reopen.get();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            store.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
