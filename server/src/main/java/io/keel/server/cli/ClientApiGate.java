package io.keel.server.cli;

import io.keel.server.Keel;
import io.keel.server.MemberStoppedException;
import io.keel.server.NotLeaderException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Opens the client port only once the member knows a leader (issue 15), as etcd serves clients only after it has
 * published itself to the cluster through Raft: a client (or a script) that starts using a member the moment it says
 * it serves must not get "etcdserver: no leader". Until then the member runs, takes part in elections and serves
 * /health and /readyz on its metrics URL, which say why it does not serve yet; a lone member of a larger cluster
 * waits there until enough peers are up.
 *
 * <p>One thread builds the gRPC server ({@code prepare}: loading its classes overlaps the member's start and
 * election), waits (an election timeout at a time, so a stop is never kept waiting long), then {@code open} starts
 * it. The wait ends early when the member stops or {@link #cancel} is called.
 */
final class ClientApiGate {
    private final Keel keel;
    private final String url;
    private final PrintStream out;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile boolean cancelled;

    ClientApiGate(Keel keel, String url, PrintStream out) {
        this.keel = keel;
        this.url = url;
        this.out = out;
    }

    /**
     * Refuses a client address that cannot be bound now (taken, not this machine's), at start, with the launcher's
     * exit code 4, instead of only once a leader is known. The port is not held meanwhile: if another process takes
     * it in between, opening the client API fails then, as loudly.
     */
    static void checkCanListen(String member, InetSocketAddress address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as gRPC's server socket: a port just released by a stopped member is free
            probe.bind(address);
        } catch (IOException e) {
            throw new LaunchException(ExitCodes.CANNOT_LISTEN, member + ": cannot listen for clients on "
                    + Urls.text(address) + ": " + RunningMember.oneLine(e), e);
        }
    }

    /**
     * Starts the thread: {@code prepare} at once, {@code open} once a leader is known. The returned future completes
     * when the client API serves, or exceptionally with what either threw; it stays incomplete if the member stopped
     * or the gate was cancelled first.
     */
    CompletableFuture<Void> openWhenLeaderKnown(Runnable prepare, Runnable open) {
        Thread t = new Thread(() -> {
            try {
                prepare.run();
                if (!awaitLeader()) return;
                open.run();
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }, "keel-client-api-gate");
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** Stops waiting: the client API will not be opened by this gate. */
    void cancel() {
        cancelled = true;
    }

    private boolean awaitLeader() {
        Duration step = keel.electionTimeout();
        boolean told = false;
        while (!cancelled) {
            try {
                keel.awaitLeader(step);
                return !cancelled;
            } catch (NotLeaderException e) {
                if (!told) {
                    out.println("keel: no leader known yet; the client URL " + url + " opens once this member knows"
                            + " one (a majority of the members must be up); meanwhile /health on the metrics URL"
                            + " says why");
                    out.flush();
                    told = true;
                }
            } catch (MemberStoppedException e) {
                return false;
            }
        }
        return false;
    }
}
