package io.keel.server.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.keel.server.Keel;
import io.keel.server.membership.MemberInfo;
import io.keel.server.tls.MemberClientChannels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends a Cluster request that reached a follower to the leader's client API, once, and relays the leader's answer
 * (etcd forwards membership changes to its leader too). The leader runs every check (its directory, raft-core's
 * rules, --strict-reconfig-check on its own view of who is active), so a follower never judges a change on a stale
 * view.
 *
 * <p>Exactly once or not at all, as far as this member is concerned: the call is made one time, with no retry (a
 * MemberAdd made twice would add two members), and a member that receives a forwarded call answers it itself or
 * refuses it ("leader changed"), never forwards it again. A forward that gets no answer is reported as etcd's
 * "request timed out": the change may still apply, as with any write whose answer was lost.
 */
final class LeaderForward {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderForward.class);
    /** Marks a call a member forwarded; its receiver never forwards it again. */
    static final Metadata.Key<String> FORWARDED_BY =
            Metadata.Key.of("keel-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> FORWARDED = Context.key("keel-forwarded-by");
    /**
     * Set in the trailers of every answer a member gives to a forwarded call: the forwarding member relays such an
     * answer as it is, and takes a failure without it for the transport's (the leader never answered).
     */
    static final Metadata.Key<String> ANSWERED_BY =
            Metadata.Key.of("keel-answered-by", Metadata.ASCII_STRING_MARSHALLER);
    private static final long DEFAULT_TIMEOUT_SECONDS = 15;

    private final Keel keel;
    private final MemberClientChannels channels;

    LeaderForward(Keel keel, MemberClientChannels channels) {
        this.keel = keel;
        this.channels = channels;
    }

    /** Server side: remembers in the call's context whether a member forwarded it. */
    static ServerInterceptor marker() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                String by = headers.get(FORWARDED_BY);
                if (by == null) return next.startCall(call, headers);
                ServerCall<Q, R> answering = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        trailers.put(ANSWERED_BY, "1");
                        super.close(status, trailers);
                    }
                };
                return Contexts.interceptCall(Context.current().withValue(FORWARDED, by), answering, headers, next);
            }
        };
    }

    /**
     * The leader's first client URL (http or https) if this call should go there: this member knows a leader that is
     * not itself, the leader has announced a client URL, and the call was not forwarded to it already. Otherwise null:
     * answer here (the leader does; a follower refuses with etcd's "no leader"/"leader changed").
     */
    String leaderUrl() {
        long leader = keel.leaderId();
        if (leader == 0 || leader == keel.memberId() || FORWARDED.get() != null) return null;
        for (MemberInfo m : keel.membership().list()) {
            if (m.id() != leader) continue;
            for (String url : m.clientUrls()) if (MemberClientChannels.isClientUrl(url)) return url;
        }
        return null;
    }

    /** Calls the leader once with {@code call} on a channel to {@code url}; its answer, or etcd's status. */
    <T> T call(String url, Function<Channel, T> call) {
        ManagedChannel channel = channels.builder(url).disableRetry().build();
        Deadline deadline = Context.current().getDeadline();
        long millis = deadline == null ? TimeUnit.SECONDS.toMillis(DEFAULT_TIMEOUT_SECONDS)
                : Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS));
        String self = Long.toHexString(keel.memberId());
        Channel marked = io.grpc.ClientInterceptors.intercept(channel, new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                       Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method,
                        options.withDeadlineAfter(millis, TimeUnit.MILLISECONDS))) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(FORWARDED_BY, self);
                        super.start(listener, headers);
                    }
                };
            }
        });
        try {
            // A fresh context: the client's cancellation must not cut the forward off half-way without an answer.
            return Context.ROOT.call(() -> call.apply(marked));
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            boolean transport = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                    || code == Status.Code.CANCELLED;
            Metadata trailers = e.getTrailers();
            if (!transport || (trailers != null && trailers.containsKey(ANSWERED_BY))) {
                throw e; // the leader's answer, as it gave it
            }
            LOG.warn("member {}: forwarding a membership request to the leader at {} failed: {}", self, url,
                    e.getStatus());
            throw (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
                    ? Status.UNAVAILABLE.withDescription(EtcdStatus.TIMED_OUT)
                    : Status.UNAVAILABLE.withDescription(EtcdStatus.LEADER_CHANGED)).asRuntimeException();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            channel.shutdownNow();
        }
    }
}
