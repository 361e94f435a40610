package io.keel.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One member's Raft transport: framed protobuf messages to and from its peers over Netty. It knows nothing of
 * Raft's rules; it moves messages, refuses peers that are not who they must be, and says what it dropped.
 *
 * <ul>
 *   <li>{@link #send} never blocks: it queues for the peer's long-lived connection or drops (counted) when the
 *       peer's byte bound is reached; Raft resends.</li>
 *   <li>Each outbound connection reconnects by itself, with exponential back-off and jitter.</li>
 *   <li>{@link #sendSnapshot} streams on a connection of its own, so messages never wait behind a snapshot.</li>
 *   <li>Every connection starts with a handshake (cluster id, both member ids, protocol version, each side's
 *       incarnation and election timing), optionally behind
 *       mutual TLS; a mismatch closes it before anything is delivered.</li>
 * </ul>
 */
public final class Transport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

    private final TransportConfig config;
    private final TransportContext context;
    private final TransportMetrics metrics;
    private final EventLoops loops;
    private final ExecutorService snapshotIo;
    private final TrackedThreads ioThreads;
    private final TrackedThreads snapshotThreads;
    /** One per listen address; the first is {@link TransportConfig#listenAddress}'s. */
    private final java.util.List<Channel> serverChannels;
    private final Map<Long, PeerConnection> peers = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<Void>> snapshotsInFlight = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Transport(TransportConfig config, InboundListener listener) throws IOException {
        this.config = config;
        this.metrics = new TransportMetrics();
        SslContext serverTls = config.tls == null ? null : config.tls.serverContext();
        SslContext clientTls = config.tls == null ? null : config.tls.clientContext();
        this.ioThreads = new TrackedThreads("keel-transport-" + Texts.id(config.localId));
        this.loops = EventLoops.create(config.ioThreads, config.preferNativeTransport,
                config.directWrites && config.tls == null, ioThreads);
        this.snapshotThreads = new TrackedThreads("keel-snapshot-io-" + Texts.id(config.localId));
        this.snapshotIo = Executors.newCachedThreadPool(snapshotThreads);
        HandshakePolicy policy = new HandshakePolicy(config.clusterId, config.localId, config.timing,
                peers::containsKey, config.admission);
        this.context = new TransportContext(config, listener, metrics, loops, snapshotIo, policy, serverTls, clientTls);
        // A peer that connected to us is up: connect back now rather than when the back-off, grown while it was
        // down, next fires (up to reconnectMaxDelay later). A restarted member otherwise hears nothing from the
        // leader for that long, and starts an election instead of following (issue 14).
        context.peerConnected = id -> {
            PeerConnection p = peers.get(id);
            if (p != null) p.connectNowIfWaiting();
        };
        java.util.List<Channel> bound = new java.util.ArrayList<>();
        try {
            java.util.List<SocketAddress> addresses = new java.util.ArrayList<>();
            addresses.add(config.listenAddress);
            addresses.addAll(config.alsoListen);
            for (SocketAddress address : addresses) bound.add(bind(address));
            this.serverChannels = java.util.List.copyOf(bound);
        } catch (IOException | RuntimeException e) {
            bound.forEach(c -> c.close().awaitUninterruptibly());
            loops.shutdown(SHUTDOWN_TIMEOUT);
            snapshotIo.shutdownNow();
            throw e;
        }
        if (loops.directWritesOffBecause != null) {
            LOG.info("member {}: peer messages are written by the event loop, not by their senders (direct writes "
                    + "off): {}", Texts.id(config.localId), loops.directWritesOffBecause);
        }
        LOG.info("member {} of cluster {} listening on {} ({}{})", Texts.id(config.localId), Texts.id(config.clusterId),
                serverChannels.stream().map(c -> String.valueOf(c.localAddress())).collect(
                        java.util.stream.Collectors.joining(", ")), loops.kind, config.tls != null ? ", TLS" : "");
    }

    private Channel bind(SocketAddress address) throws IOException {
        if (address instanceof UnixDomainSocketAddress unix) {
            // As etcd does: a socket file left by an earlier run of this member would make the bind fail.
            Files.deleteIfExists(unix.getPath());
        }
        ChannelFuture bind = context.serverBootstrap(address).bind(loops.nativeAddress(address))
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new IOException("cannot listen on " + address + ": " + bind.cause(), bind.cause());
        }
        return bind.channel();
    }

    /**
     * Binds the listening socket and starts connecting to the configured peers.
     *
     * @throws IOException if the address cannot be bound or the TLS files cannot be read
     */
    public static Transport start(TransportConfig config, InboundListener listener) throws IOException {
        Transport t = new Transport(Objects.requireNonNull(config), Objects.requireNonNull(listener));
        config.peers.forEach(t::addPeer);
        return t;
    }

    /**
     * The first TCP address peers reach this member at (the bound port when the configured one was 0), or null when
     * it listens on Unix domain sockets only.
     */
    public InetSocketAddress localAddress() {
        for (Channel c : serverChannels) {
            if (c.localAddress() instanceof InetSocketAddress a) return a;
        }
        return null;
    }

    /** Every address this member accepts peers on, in the order configured (bound ports where 0 was asked). */
    public java.util.List<SocketAddress> localAddresses() {
        return serverChannels.stream().map(c -> c.localAddress() instanceof InetSocketAddress a ? (SocketAddress) a
                : unixAddress(c.localAddress())).toList();
    }

    private static SocketAddress unixAddress(SocketAddress nativeAddress) {
        if (nativeAddress instanceof io.netty.channel.unix.DomainSocketAddress d) {
            return UnixDomainSocketAddress.of(d.path());
        }
        return nativeAddress;
    }

    public long localId() {
        return config.localId;
    }

    /** "epoll" or "nio". */
    public String ioTransport() {
        return loops.kind;
    }

    /**
     * Starts talking to a peer, or re-points it to a new address. Its inbound connections are accepted from now on.
     */
    public void addPeer(long id, SocketAddress address) {
        addPeer(id, java.util.List.of(Objects.requireNonNull(address)));
    }

    /** As {@link #addPeer(long, SocketAddress)}, for a peer reachable at several addresses (tried in turn). */
    public void addPeer(long id, java.util.List<? extends SocketAddress> addresses) {
        if (id == 0 || id == config.localId) throw new IllegalArgumentException("bad peer id " + Texts.id(id));
        if (addresses.isEmpty()) throw new IllegalArgumentException("member " + Texts.id(id) + " has no address");
        if (closed.get()) throw new IllegalStateException("transport closed");
        PeerConnection fresh = new PeerConnection(context, id, addresses);
        PeerConnection old = peers.put(id, fresh);
        if (old != null) old.stop();
        fresh.start();
    }

    /**
     * While {@code condition} holds, a dialled member of this cluster that answers under another id than the one
     * dialled becomes a peer under the id it gave, at the same addresses. A member joining a running cluster knows
     * its peers' addresses but not always their ids (etcd asks its peers for them); until it has the cluster's
     * member directory it learns them this way, so it accepts the leader's connection.
     */
    public void learnPeerIdsWhile(java.util.function.BooleanSupplier condition) {
        context.peerAnsweredAs = (wanted, actual) -> {
            if (closed.get() || !condition.getAsBoolean() || peers.containsKey(actual)) return;
            PeerConnection dialled = peers.get(wanted);
            if (dialled == null) return;
            LOG.info("member {}: the member at {} is member {}, not {}: talking to it under that id",
                    Texts.id(config.localId), dialled.address(), Texts.id(actual), Texts.id(wanted));
            addPeer(actual, dialled.addresses());
        };
    }

    /** Whether the connection to {@code peer} is down and waiting out its reconnection delay (tests). */
    boolean backingOff(long peer) {
        PeerConnection p = peers.get(peer);
        return p != null && p.backingOff();
    }

    /**
     * TCP_USER_TIMEOUT in ms of the message connection to {@code peer} (outbound) or from it (inbound), as the
     * kernel reports it; null when that connection is down or not an epoll socket (tests).
     */
    Integer socketUserTimeoutMillis(long peer, boolean outbound) {
        if (!outbound) return context.inbound.socketUserTimeoutMillis(peer);
        PeerConnection p = peers.get(peer);
        return p == null ? null : p.socketUserTimeoutMillis();
    }

    /** Stops talking to a peer (removed from the cluster) and closes its connections both ways. */
    public void removePeer(long id) {
        PeerConnection old = peers.remove(id);
        if (old != null) old.stop();
        context.inbound.close(id);
    }

    /**
     * Queues a message for {@code message.getTo()}. Returns at once; false if it was dropped (unknown peer, queue
     * full, larger than the frame limit, transport closed). Snapshots go through {@link #sendSnapshot}.
     */
    public boolean send(Message message) {
        if (message.getType() == MessageType.MSG_SNAPSHOT) {
            throw new IllegalArgumentException("MSG_SNAPSHOT travels with its bytes: use sendSnapshot");
        }
        PeerConnection peer = peers.get(message.getTo());
        if (peer == null || closed.get()) {
            metrics.messagesDroppedNoPeer.increment();
            return false;
        }
        return peer.send(message);
    }

    /**
     * Queues several messages, as {@link #send} each, and has them written with one flush per peer, all peers' in
     * one event-loop task, rather than a task per message: a Ready's messages (an append for each follower, say)
     * then wake the I/O thread that writes to peers once. Per peer they leave in the order given. Returns how many
     * were dropped; a MSG_SNAPSHOT among them refuses the whole batch (nothing is queued).
     */
    public int sendAll(Collection<Message> messages) {
        for (Message m : messages) {
            if (m.getType() == MessageType.MSG_SNAPSHOT) {
                throw new IllegalArgumentException("MSG_SNAPSHOT travels with its bytes: use sendSnapshot");
            }
        }
        int droppedCount = 0;
        java.util.List<PeerConnection> touched = new java.util.ArrayList<>(4);
        for (Message m : messages) {
            PeerConnection peer = peers.get(m.getTo());
            if (peer == null || closed.get()) {
                metrics.messagesDroppedNoPeer.increment();
                droppedCount++;
            } else if (!peer.enqueue(m)) {
                droppedCount++;
            } else if (!touched.contains(peer)) { // a handful of peers: a list beats a set
                touched.add(peer);
            }
        }
        PeerConnection.scheduleDrains(touched);
        return droppedCount;
    }

    /** Batches written to {@code peer} by a sending thread itself, not by the event loop (tests). */
    long directWrites(long peer) {
        PeerConnection p = peers.get(peer);
        return p == null ? 0 : p.directWrites();
    }

    /** The event loop that reads every peer connection this member accepted (tests hold it to line reads up). */
    io.netty.channel.EventLoop inboundLoop() {
        return context.inboundLoop;
    }

    /** Flushes made on the connection to {@code peer} so far (tests). */
    long flushes(long peer) {
        PeerConnection p = peers.get(peer);
        return p == null ? 0 : p.flushes();
    }

    /**
     * Streams a snapshot to a peer on a connection of its own. The future completes when the receiver confirms it
     * has the whole snapshot and its listener took it, and fails with {@link SnapshotTransferException} otherwise;
     * the server reports either to {@code RaftNode.reportSnapshot}. {@code data} is read on a snapshot I/O thread
     * and closed at the end, whatever the outcome.
     *
     * @param meta the MSG_SNAPSHOT message Raft produced (its {@code to} must be {@code peer})
     * @param size exactly the number of bytes {@code data} holds
     */
    public CompletableFuture<Void> sendSnapshot(long peer, Message meta, InputStream data, long size) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (size < 0) {
            closeQuietly(data);
            result.completeExceptionally(new IllegalArgumentException("negative snapshot size " + size));
            return result;
        }
        if (meta.getType() != MessageType.MSG_SNAPSHOT || meta.getTo() != peer || meta.getFrom() != config.localId) {
            closeQuietly(data);
            result.completeExceptionally(new IllegalArgumentException("not a MSG_SNAPSHOT from this member to member " + Texts.id(peer)));
            return result;
        }
        PeerConnection connection = peers.get(peer);
        if (connection == null || closed.get()) {
            closeQuietly(data);
            metrics.snapshotsFailed.increment();
            result.completeExceptionally(new SnapshotTransferException("member " + Texts.id(peer) + " is not a peer"));
            return result;
        }
        snapshotsInFlight.add(result);
        result.whenComplete((v, e) -> snapshotsInFlight.remove(result));
        SnapshotSender sender = new SnapshotSender(context, peer, meta, data, size, result);
        Hello hello = Hello.of(StreamKind.SNAPSHOT, config, peer);
        SocketAddress address = connection.address(); // the one that connected last
        ClientHandshake handshake = new ClientHandshake(context, hello, address, sender);
        EventLoop loop = loops.group.next();
        try {
            ChannelFuture f = context.clientBootstrap(loop, address, handshake, context.snapshotIdleHandler(), sender);
            f.addListener(x -> {
                if (!x.isSuccess()) {
                    sender.connectFailed(x.cause());
                    f.channel().close();
                }
            });
        } catch (RuntimeException e) {
            closeQuietly(data);
            result.completeExceptionally(new SnapshotTransferException("transport closing", e));
        }
        return result;
    }

    public TransportStats stats() {
        Map<Long, TransportStats.PeerStats> perPeer = new HashMap<>();
        peers.forEach((id, p) -> perPeer.put(id, p.stats()));
        return metrics.snapshot(Map.copyOf(perPeer));
    }

    /** Closes every connection, stops the I/O threads and fails snapshots in flight. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        peers.values().forEach(PeerConnection::stop);
        serverChannels.forEach(c -> c.close().awaitUninterruptibly());
        context.inbound.closeAll();
        loops.shutdown(SHUTDOWN_TIMEOUT);
        snapshotIo.shutdownNow();
        if (!ioThreads.join(SHUTDOWN_TIMEOUT) || !snapshotThreads.join(SHUTDOWN_TIMEOUT)) {
            LOG.warn("member {} transport: a thread did not end within {} of close", Texts.id(config.localId),
                    SHUTDOWN_TIMEOUT);
        }
        for (CompletableFuture<Void> f : snapshotsInFlight) {
            f.completeExceptionally(new SnapshotTransferException("transport closed"));
        }
        LOG.info("member {} transport closed", Texts.id(config.localId));
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // nothing to report: the stream was never read
        }
    }
}
