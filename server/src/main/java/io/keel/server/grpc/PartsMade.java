package io.keel.server.grpc;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * What a half-built client port made so far (thread pools, the gateway's in-process server, Netty's event loops),
 * released newest first when building it fails part-way: a refused start then leaves no thread, file descriptor or
 * in-process server name behind (the launcher reports the refusal and the process may go on, e.g. in tests).
 */
final class PartsMade {
    private final Deque<Runnable> releases = new ArrayDeque<>();

    /** Records {@code part}, released by {@code release} if the build fails; returns {@code part}. */
    <T> T add(T part, Consumer<? super T> release) {
        if (part != null) releases.push(() -> release.accept(part));
        return part;
    }

    /** Releases every part, newest first; what a release throws is added to {@code failure}, not thrown. */
    void releaseAfter(Throwable failure) {
        while (!releases.isEmpty()) {
            try {
                releases.pop().run();
            } catch (RuntimeException | Error e) {
                failure.addSuppressed(e);
            }
        }
    }
}
