package io.keel.transport;

import io.netty.buffer.ByteBufAllocator;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of one member's transport. Built with {@link #builder}; defaults suit a LAN cluster.
 */
public final class TransportConfig {
    final long clusterId;
    final long localId;
    final SocketAddress listenAddress;
    /** Further addresses this member accepts peers on (etcd's --listen-peer-urls with several URLs). */
    final List<SocketAddress> alsoListen;
    /** Each peer's addresses, tried in turn until one connects (etcd's peer URLs, several per member). */
    final Map<Long, List<SocketAddress>> peers;
    final int maxFrameBytes;
    final long outboundQueueBytes;
    final Duration reconnectMinDelay;
    final Duration reconnectMaxDelay;
    final Duration connectTimeout;
    final Duration handshakeTimeout;
    final int snapshotChunkBytes;
    final long maxSnapshotBytes;
    final Duration snapshotIdleTimeout;
    final Path snapshotDirectory;
    final TlsContexts tls;
    final int ioThreads;
    final boolean preferNativeTransport;
    /** A sending thread writes a peer's message connection itself when nothing waits for it ({@link PeerConnection}). */
    final boolean directWrites;
    final ByteBufAllocator allocator;
    final long incarnation;
    final ElectionTiming timing;
    final PeerAdmission admission;
    /**
     * How long a TCP connection to or from a peer may hold sent data that the other end has not acknowledged before
     * the kernel gives it up (TCP_USER_TIMEOUT, epoll only). Without it a connection that lost its packets for a
     * few seconds stalls in TCP's exponential retransmission back-off, which grows with every further loss: in the
     * fault suite a member cut off one way for 8 s heard its leader again only 7.4 s after the network healed, and
     * once, after two faults in a row, a minute later. Given up, the connection is replaced by a fresh one, which
     * {@link Backoff} retries within {@code reconnectMaxDelay}, and at once when the peer connects to us.
     */
    final Duration unacknowledgedTimeout;

    private TransportConfig(Builder b) {
        this.clusterId = b.clusterId;
        this.localId = b.localId;
        this.listenAddress = b.listenAddress;
        this.alsoListen = List.copyOf(b.alsoListen);
        this.peers = Map.copyOf(b.peers);
        this.maxFrameBytes = b.maxFrameBytes;
        this.outboundQueueBytes = b.outboundQueueBytes;
        this.reconnectMinDelay = b.reconnectMinDelay;
        this.reconnectMaxDelay = b.reconnectMaxDelay;
        this.connectTimeout = b.connectTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.snapshotChunkBytes = b.snapshotChunkBytes;
        this.maxSnapshotBytes = b.maxSnapshotBytes;
        this.snapshotIdleTimeout = b.snapshotIdleTimeout;
        this.snapshotDirectory = b.snapshotDirectory;
        this.tls = b.tls;
        this.ioThreads = b.ioThreads;
        this.preferNativeTransport = b.preferNativeTransport;
        this.directWrites = b.directWrites;
        this.allocator = b.allocator;
        this.incarnation = b.incarnation;
        this.timing = b.timing;
        this.admission = b.admission;
        this.unacknowledgedTimeout = b.unacknowledgedTimeout != null ? b.unacknowledgedTimeout
                : defaultUnacknowledgedTimeout(b.timing);
    }

    /**
     * Two election timeouts, at least a second: a connection that has delivered nothing for that long has already
     * cost the cluster an election, and a fresh connection is cheap. Without a known timing, etcd's 5 s (rafthttp
     * gives a stream up after 5 s without progress).
     */
    static Duration defaultUnacknowledgedTimeout(ElectionTiming timing) {
        if (timing == null || timing.electionTimeoutMillis() <= 0) return Duration.ofSeconds(5);
        return Duration.ofMillis(Math.max(1_000, 2 * timing.electionTimeoutMillis()));
    }

    /** Cluster and member ids are never 0 (0 means "none" in Raft and is reserved by storage). */
    public static Builder builder(long clusterId, long localId) {
        return new Builder(clusterId, localId);
    }

    public long clusterId() {
        return clusterId;
    }

    public long localId() {
        return localId;
    }

    public static final class Builder {
        private final long clusterId;
        private final long localId;
        private SocketAddress listenAddress = new InetSocketAddress("127.0.0.1", 0);
        private final List<SocketAddress> alsoListen = new ArrayList<>();
        private final Map<Long, List<SocketAddress>> peers = new LinkedHashMap<>();
        private int maxFrameBytes = 16 << 20;
        private long outboundQueueBytes = 8L << 20;
        private Duration reconnectMinDelay = Duration.ofMillis(100);
        private Duration reconnectMaxDelay = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(3);
        private Duration handshakeTimeout = Duration.ofSeconds(5);
        private int snapshotChunkBytes = 256 << 10;
        private boolean snapshotChunkBytesSet;
        private long maxSnapshotBytes = 64L << 30;
        private Duration snapshotIdleTimeout = Duration.ofSeconds(30);
        private Path snapshotDirectory = Path.of(System.getProperty("java.io.tmpdir"));
        private TlsContexts tls;
        private int ioThreads = defaultIoThreads();
        private boolean preferNativeTransport = true;
        private boolean directWrites = Boolean.parseBoolean(System.getProperty(DIRECT_WRITES_PROPERTY, "true"));
        private ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
        private long incarnation;
        private ElectionTiming timing = ElectionTiming.NONE;
        private PeerAdmission admission = PeerAdmission.ANY;
        private Duration unacknowledgedTimeout;

        private Builder(long clusterId, long localId) {
            if (clusterId == 0) throw new IllegalArgumentException("cluster id 0 is reserved");
            if (localId == 0) throw new IllegalArgumentException("member id 0 is reserved");
            this.clusterId = clusterId;
            this.localId = localId;
        }

        /**
         * Where to accept peers: a TCP address (port 0 picks a free port; {@link Transport#localAddress()} tells
         * which) or a Unix domain socket ({@link java.net.UnixDomainSocketAddress}).
         */
        public Builder listen(SocketAddress address) {
            this.listenAddress = Objects.requireNonNull(address);
            return this;
        }

        /** Further addresses to accept peers on, as {@link #listen}. */
        public Builder alsoListen(List<? extends SocketAddress> addresses) {
            alsoListen.clear();
            alsoListen.addAll(addresses);
            return this;
        }

        public Builder peer(long id, SocketAddress address) {
            return peer(id, List.of(Objects.requireNonNull(address)));
        }

        /** A peer reachable at any of these addresses: they are tried in turn until one connects. */
        public Builder peer(long id, List<? extends SocketAddress> addresses) {
            if (id == 0 || id == localId) throw new IllegalArgumentException("bad peer id " + Texts.id(id));
            if (addresses.isEmpty()) throw new IllegalArgumentException("member " + Texts.id(id) + " has no address");
            peers.put(id, List.copyOf(addresses));
            return this;
        }

        /** Largest frame accepted or sent (a Raft message, a snapshot chunk); larger announcements close the connection. */
        public Builder maxFrameBytes(int bytes) {
            if (bytes < 4096) throw new IllegalArgumentException("maxFrameBytes below 4096: " + bytes);
            this.maxFrameBytes = bytes;
            return this;
        }

        /** Wire bytes that may wait per peer; messages beyond are dropped (Raft resends) and counted. */
        public Builder outboundQueueBytes(long bytes) {
            if (bytes < 1) throw new IllegalArgumentException("outboundQueueBytes must be positive");
            this.outboundQueueBytes = bytes;
            return this;
        }

        public Builder reconnectDelay(Duration min, Duration max) {
            if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("reconnect delays: need 0 < min <= max");
            }
            this.reconnectMinDelay = min;
            this.reconnectMaxDelay = max;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout);
            return this;
        }

        /**
         * How long sent data may stay unacknowledged before a peer connection is given up and replaced (see
         * {@link TransportConfig#unacknowledgedTimeout}); by default two election timeouts, at least 1 s.
         */
        public Builder unacknowledgedTimeout(Duration timeout) {
            this.unacknowledgedTimeout = positive(timeout);
            return this;
        }

        /** How long a connection may take from TCP accept/connect to an answered HELLO. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout);
            return this;
        }

        public Builder snapshotChunkBytes(int bytes) {
            if (bytes < 1) throw new IllegalArgumentException("snapshotChunkBytes must be positive");
            this.snapshotChunkBytes = bytes;
            this.snapshotChunkBytesSet = true;
            return this;
        }

        /** The largest snapshot this member accepts (disk space for the temporary file). */
        public Builder maxSnapshotBytes(long bytes) {
            if (bytes < 0) throw new IllegalArgumentException("maxSnapshotBytes negative");
            this.maxSnapshotBytes = bytes;
            return this;
        }

        /** A snapshot stream with no progress for this long is abandoned on both sides. */
        public Builder snapshotIdleTimeout(Duration timeout) {
            this.snapshotIdleTimeout = positive(timeout);
            return this;
        }

        /** Where received snapshots are written before they are handed to the listener. */
        public Builder snapshotDirectory(Path dir) {
            this.snapshotDirectory = Objects.requireNonNull(dir);
            return this;
        }

        /** Mutual TLS with the cluster CA; null (the default) means plaintext. */
        public Builder tls(TlsContexts tls) {
            this.tls = tls;
            return this;
        }

        /**
         * The event-loop threads of the peer transport: {@value #DEFAULT_IO_THREADS} unless the JVM property
         * {@value #IO_THREADS_PROPERTY} says otherwise (JAVA_OPTS; for measuring, docs/operations.md).
         */
        public Builder ioThreads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("ioThreads must be positive");
            this.ioThreads = threads;
            return this;
        }

        static final String IO_THREADS_PROPERTY = "keel.transport.ioThreads";
        static final int DEFAULT_IO_THREADS = 2;

        private static int defaultIoThreads() {
            String value = System.getProperty(IO_THREADS_PROPERTY);
            if (value == null) return DEFAULT_IO_THREADS;
            try {
                int n = Integer.parseInt(value.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("-D" + IO_THREADS_PROPERTY + "=" + value + ": not a positive number");
        }

        static final String DIRECT_WRITES_PROPERTY = "keel.transport.directWrites";

        /**
         * Whether the thread that sends a peer message writes it to the peer's connection itself when nothing is
         * queued for it, instead of waking the event loop (the message connections then use the JDK's sockets; TLS
         * connections never do). On unless the JVM property {@value #DIRECT_WRITES_PROPERTY} is false: at one client
         * it spares a third of the transport threads' context switches per put and about a tenth of put-1's latency
         * (docs/benchmarks.md, "Direct writes on a quiet machine"); its cost is a write(2) per send for a sender
         * that outruns the socket, where the event loop would coalesce (the server sends a Ready's messages in one
         * call, so one write per peer per Ready).
         */
        public Builder directWrites(boolean direct) {
            this.directWrites = direct;
            return this;
        }

        /** Use epoll where available (the default), else NIO; false forces NIO. */
        public Builder preferNativeTransport(boolean prefer) {
            this.preferNativeTransport = prefer;
            return this;
        }

        /** Buffer allocator for every channel (tests pass a measuring one). */
        public Builder allocator(ByteBufAllocator allocator) {
            this.allocator = Objects.requireNonNull(allocator);
            return this;
        }

        /** This member's data directory's incarnation, declared in every handshake; 0 (the default) declares none. */
        public Builder incarnation(long incarnation) {
            this.incarnation = incarnation;
            return this;
        }

        /** This member's election timing, declared in every handshake; a peer with other timing is refused. */
        public Builder timing(ElectionTiming timing) {
            this.timing = Objects.requireNonNull(timing);
            return this;
        }

        /** Decides whether a peer's declared incarnation is the one the cluster knows; asked at every handshake. */
        public Builder admission(PeerAdmission admission) {
            this.admission = Objects.requireNonNull(admission);
            return this;
        }

        public TransportConfig build() {
            if (!snapshotChunkBytesSet) {
                // The default chunk shrinks with a small frame limit rather than making the limit an error.
                snapshotChunkBytes = Math.min(snapshotChunkBytes, maxFrameBytes - FrameCodec.HEADER_BYTES);
            }
            if (snapshotChunkBytes + FrameCodec.HEADER_BYTES > maxFrameBytes) {
                throw new IllegalArgumentException("snapshot chunks of " + snapshotChunkBytes
                        + " bytes do not fit frames of at most " + maxFrameBytes);
            }
            return new TransportConfig(this);
        }

        private static Duration positive(Duration d) {
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("duration must be positive: " + d);
            return d;
        }
    }
}
