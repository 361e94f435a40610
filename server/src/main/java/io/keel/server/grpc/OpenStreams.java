package io.keel.server.grpc;

import io.keel.server.MemberStoppedException;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Every open watch and lease keep-alive stream of one gRPC server, so that a stopping member can end them all at
 * once with etcd's UNAVAILABLE "etcdserver: server stopped" (issue 14). Clients treat that as retryable: jetcd and
 * clientv3 reopen the stream at another endpoint (a watch from its last revision + 1, a keep-alive at once). Left
 * open instead, a keep-alive stream would keep its leases alive on a member that no longer takes writes, and a watch
 * would be cut with RST_STREAM CANCEL at the end of the server's grace period, which clients do not retry.
 */
final class OpenStreams {
    private final long memberId;
    private final Set<Consumer<RuntimeException>> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    OpenStreams(long memberId) {
        this.memberId = memberId;
    }

    /**
     * Tracks a stream: {@code end} is called at most once, from the stopping thread, and must end the stream through
     * the stream's own serialization. Running the returned action stops tracking it (it ended on its own). A stream
     * opened after {@link #endAll} started is ended at once.
     */
    Runnable register(Consumer<RuntimeException> end) {
        streams.add(end);
        if (stopping && streams.remove(end)) end.accept(stopped());
        return () -> streams.remove(end);
    }

    /** Ends every tracked stream, and every one registered from now on. */
    void endAll() {
        stopping = true;
        MemberStoppedException cause = stopped();
        for (Consumer<RuntimeException> end : streams) {
            if (streams.remove(end)) end.accept(cause);
        }
    }

    int size() {
        return streams.size();
    }

    private MemberStoppedException stopped() {
        return new MemberStoppedException("member " + Long.toHexString(memberId) + " is stopping", null);
    }
}
