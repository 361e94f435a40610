package io.keel.server.member;

import io.keel.storage.mvcc.MvccOptions;
import io.keel.storage.mvcc.MvccStore;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A restarting member's store, opened on a thread of its own while the caller opens the Raft log (issue 14: the two
 * RocksDB opens of a restart overlap instead of following each other). Only for a store that exists: a new member's
 * directories are still made one after the other, log first.
 */
final class StoreOpening {
    private final CompletableFuture<MvccStore> store = new CompletableFuture<>();
    private volatile long openMillis;

    private StoreOpening() {
    }

    /** Starts opening the store in {@code dir}. */
    static StoreOpening start(Path dir, MvccOptions options) {
        StoreOpening opening = new StoreOpening();
        Thread t = new Thread(() -> {
            long started = System.nanoTime();
            try {
                MvccStore s = MvccStore.open(dir, options);
                opening.openMillis = (System.nanoTime() - started) / 1_000_000;
                opening.store.complete(s);
            } catch (Throwable e) {
                opening.store.completeExceptionally(e);
            }
        }, "keel-store-open");
        t.setDaemon(true);
        t.start();
        return opening;
    }

    /** The open store, once opened; its open's failure is thrown as it came. */
    MvccStore await() {
        try {
            return store.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw e;
        }
    }

    /** How long the open took, in ms (once {@link #await} returned). */
    long openMillis() {
        return openMillis;
    }

    /**
     * The log was refused or failed: waits for the store's open to end and closes what it opened, so the member
     * leaves no database open behind. What closing throws is added to {@code failure}.
     */
    void discard(Throwable failure) {
        try {
            store.join().close();
        } catch (CompletionException e) {
            // The store failed too: the log's failure is the one reported.
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
