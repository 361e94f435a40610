package io.keel.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.etcd.proto.LeaseKeepAliveRequest;
import io.keel.server.etcd.proto.LeaseKeepAliveResponse;
import io.keel.server.etcd.proto.ResponseHeader;
import io.keel.server.lease.KeepAliveAnswers;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * One etcd keep-alive stream: every request answered once, in the order of the requests, with the lease's TTL from
 * the leader's lessor (issue 16). Up to {@link #IN_FLIGHT} of a stream's keep-alives are being answered at once, so
 * the burst a client sends together (etcd's clientv3 sends every lease of the stream that is due, every 500 ms) is
 * forwarded by a follower in one batch and answered in one pass over the stream with one flush, rather than one
 * leader round trip, one task on the event loop and one write per keep-alive, as when the next request was read
 * only once the previous one was answered (etcd's server answers a stream's keep-alives one by one too). The requests
 * read together are handed to the member together, by one task on the stream's event loop that runs once the
 * connection's read is done ({@link #renewGathered}): the leader renews them under one lock and one check of its
 * leader lease, a follower forwards them in one batch, and their answers come back through one {@link Burst}, not a
 * future each ({@link Keel#keepAliveAll}).
 *
 * <p>A failure other than "no such lease" ends the stream with etcd's status after the answers before it, as etcd
 * does; the client opens a new one. A half-close ends the stream after the last answer. Every use of the call holds
 * the call's lock: answers complete on other threads (the peer transport's) and {@link #end} comes from the leader
 * loss monitor's and the server's stop.
 */
final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
    /**
     * Keep-alives of one stream being answered at most (read from the stream, not answered yet): bounds what one
     * stream holds at a member, and is larger than the burst of a stream with a few hundred leases of 10 s (clientv3
     * sends every due lease of a stream every 500 ms, each lease every TTL/3).
     */
    static final int IN_FLIGHT = 64;

    /** A request read and not yet answered on the stream. */
    private static final class Pending {
        final long leaseId;
        boolean done; // guarded by the call
        long ttl; // guarded by the call
        Throwable failure; // guarded by the call

        Pending(long leaseId) {
            this.leaseId = leaseId;
        }
    }

    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final ServerCallStreamObserver<LeaseKeepAliveResponse> call;
    /**
     * Where the requests read together are handed to the member, and where answers that complete on another thread
     * (a forwarded keep-alive's) are sent from: the stream's own event loop when it has one.
     */
    private final Executor answerOn;
    private final Runnable answerDone = this::answerDone;
    private final Runnable renewGathered = this::renewGathered;
    /** Read and not answered, oldest first. */
    private final ArrayDeque<Pending> unanswered = new ArrayDeque<>(); // guarded by call
    /** Read and not yet handed to the member, oldest first. */
    private final List<Pending> gathered = new ArrayList<>(); // guarded by call
    /** A {@link #renewGathered} task is queued on {@code answerOn}: requests read meanwhile need no other. */
    private boolean renewQueued; // guarded by call
    /** An {@link #answerDone} task is queued on {@code answerOn}: completions meanwhile need no other. */
    private boolean answerQueued; // guarded by call
    private boolean ended; // guarded by call
    private boolean halfClosed; // guarded by call
    volatile Runnable unwatchLeader = () -> { }; // set before the first message can arrive

    KeepAliveStream(Keel keel, EtcdGrpcServer.Headers headers, ServerCallStreamObserver<LeaseKeepAliveResponse> call,
                    Executor answerOn) {
        this.keel = keel;
        this.headers = headers;
        this.call = call;
        this.answerOn = answerOn;
    }

    /** Before the call starts: the stream reads requests itself, up to {@link #IN_FLIGHT} ahead of its answers. */
    void start() {
        call.disableAutoRequest();
        call.request(IN_FLIGHT);
    }

    @Override
    public void onNext(LeaseKeepAliveRequest request) {
        Pending p = new Pending(request.getID());
        synchronized (call) {
            if (ended) return;
            unanswered.add(p);
            gathered.add(p);
            if (renewQueued) return;
            renewQueued = true;
        }
        // Not renewed here: the requests of this read (a client's burst) are handed over together once it is done.
        answerOn.execute(renewGathered);
    }

    /**
     * Hands the requests read since the last pass to the member in one call, then sends what it answered at once
     * (the leader's usual case: on this thread, no other task). Answers that complete later, on another thread (a
     * forwarded keep-alive's), are sent from {@code answerOn}, one task for all those that complete before it runs.
     */
    private void renewGathered() {
        Pending[] burst;
        synchronized (call) {
            renewQueued = false;
            if (ended || gathered.isEmpty()) {
                gathered.clear();
                return;
            }
            burst = gathered.toArray(new Pending[0]);
            gathered.clear();
            answerQueued = true; // the answerDone() below sends what completes meanwhile
        }
        long[] ids = new long[burst.length];
        for (int i = 0; i < burst.length; i++) ids[i] = burst[i].leaseId;
        try {
            EtcdGrpcServer.refuseWriteWithoutLeader(keel); // as etcd: refused at once without a leader
            keel.keepAliveAll(ids, ids.length, new Burst(burst));
        } catch (RuntimeException e) {
            for (Pending p : burst) complete(p, 0, e);
        }
        answerDone();
    }

    /** The answers to the requests of one {@link #renewGathered} pass, by their position in it. */
    private final class Burst implements KeepAliveAnswers {
        private final Pending[] pending;

        Burst(Pending[] pending) {
            this.pending = pending;
        }

        @Override
        public void answered(int i, long ttl) {
            if (complete(pending[i], ttl, null)) answerOn.execute(answerDone);
        }

        @Override
        public void failed(int i, Throwable cause) {
            if (complete(pending[i], 0, cause)) answerOn.execute(answerDone);
        }
    }

    /**
     * Records {@code p}'s outcome, unless it has one (a keep-alive is answered once); true if an {@link #answerDone}
     * task must be queued for it.
     */
    private boolean complete(Pending p, long ttl, Throwable failure) {
        synchronized (call) {
            if (p.done) return false;
            p.ttl = ttl;
            p.failure = failure; // EtcdStatus unwraps it
            p.done = true;
            if (answerQueued) return false;
            answerQueued = true;
            return true;
        }
    }

    /**
     * Sends the answers now due, in order: every completed one up to the first still waiting; a failure ends the
     * stream there. Reads as many more requests as it answered.
     */
    private void answerDone() {
        if (answerDoneLocked()) unwatchLeader.run(); // outside the call's lock: the monitor calls end() under its own
    }

    /** {@link #answerDone} under the call's lock; true if the stream ended with a failure. */
    private boolean answerDoneLocked() {
        synchronized (call) {
            answerQueued = false;
            if (ended) return false;
            if (call.isCancelled()) {
                ended = true;
                unanswered.clear();
                gathered.clear();
                return false;
            }
            int sent = 0;
            ResponseHeader header = null; // one header for the answers sent together: the revision and term now
            Pending p;
            while ((p = unanswered.peek()) != null && p.done) {
                unanswered.poll();
                if (p.failure != null) {
                    endLocked(p.failure);
                    return true;
                }
                if (header == null) header = headers.now();
                call.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(header).setID(p.leaseId).setTTL(p.ttl)
                        .build());
                sent++;
            }
            if (halfClosed) {
                if (unanswered.isEmpty()) {
                    ended = true;
                    call.onCompleted();
                }
            } else if (sent > 0) {
                call.request(sent);
            }
            return false;
        }
    }

    @Override
    public void onError(Throwable t) {
        unwatchLeader.run(); // the client went away; nothing to answer
    }

    @Override
    public void onCompleted() {
        unwatchLeader.run();
        synchronized (call) {
            if (ended || call.isCancelled()) return;
            if (!unanswered.isEmpty()) {
                halfClosed = true; // ended once the last answer is sent
                return;
            }
            ended = true;
            call.onCompleted();
        }
    }

    /** Ends the stream with etcd's status for {@code cause}, once. */
    void end(Throwable cause) {
        unwatchLeader.run();
        synchronized (call) {
            endLocked(cause);
        }
    }

    private void endLocked(Throwable cause) {
        unanswered.clear();
        gathered.clear();
        if (ended || call.isCancelled()) return;
        ended = true;
        call.onError(EtcdStatus.of(cause, keel.leaderId()));
    }
}
