package io.keel.server.concurrent;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** The two things the server does with every future it hands out: unwrap a failure, and bound a wait. */
public final class Futures {
    private Futures() {
    }

    /** The failure itself, out of the CompletionException or ExecutionException wrapping it. */
    public static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /**
     * {@code f}, failed with {@code onTimeout}'s exception if it is not done within {@code timeout} (f itself is
     * completed so: whoever holds it sees it end), and with its failure unwrapped otherwise. The timer is cancelled
     * when f completes first, so nothing stays queued per finished request.
     */
    public static <T> CompletableFuture<T> within(CompletableFuture<T> f, Duration timeout,
                                                  Supplier<RuntimeException> onTimeout) {
        return f.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(e -> {
            Throwable cause = unwrap(e);
            return CompletableFuture.failedFuture(cause instanceof TimeoutException ? onTimeout.get() : cause);
        });
    }
}
