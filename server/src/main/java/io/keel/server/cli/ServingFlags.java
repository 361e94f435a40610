package io.keel.server.cli;

import io.keel.server.grpc.ClientLimits;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * etcd's flags that tune how a member serves its clients and keeps its log, implemented as etcd means them: the
 * snapshot interval, request and transaction limits, streams per connection, gRPC keep-alive and watch progress.
 */
final class ServingFlags {
    /** Keel's default: a smaller log to replay and ship than etcd's 100000 (a Keel entry is applied in microseconds). */
    static final long DEFAULT_SNAPSHOT_COUNT = 10_000;

    @Option(names = "--snapshot-count", paramLabel = "<n>", defaultValue = "" + DEFAULT_SNAPSHOT_COUNT,
            description = "Applied entries between two snapshots of the store; the log before a snapshot is then"
                    + " compacted. Default: ${DEFAULT-VALUE} (etcd's is 100000).")
    long snapshotCount;

    @Option(names = "--max-request-bytes", paramLabel = "<bytes>", defaultValue = "1572864",
            description = "The largest client request; a larger one gets etcd's 'request is too large'."
                    + " Default: ${DEFAULT-VALUE}.")
    long maxRequestBytes;

    @Option(names = "--max-txn-ops", paramLabel = "<n>", defaultValue = "128",
            description = "The most operations in one branch of a transaction. Default: ${DEFAULT-VALUE}.")
    long maxTxnOps;

    @Option(names = "--max-concurrent-streams", paramLabel = "<n>", defaultValue = "4294967295",
            description = "The most concurrent calls (HTTP/2 streams) one client connection may have open."
                    + " Default: ${DEFAULT-VALUE} (no limit).")
    long maxConcurrentStreams;

    @Option(names = "--grpc-keepalive-min-time", paramLabel = "<duration>", defaultValue = "5s",
            description = "The shortest interval at which a client may ping; one pinging more often is told to go"
                    + " away. Default: ${DEFAULT-VALUE}.")
    String keepAliveMinTime;

    @Option(names = "--grpc-keepalive-interval", paramLabel = "<duration>", defaultValue = "2h",
            description = "How long a client connection may be silent before the member pings it (0 turns it"
                    + " off). Default: ${DEFAULT-VALUE}.")
    String keepAliveInterval;

    @Option(names = "--grpc-keepalive-timeout", paramLabel = "<duration>", defaultValue = "20s",
            description = "How long the member waits for a ping's answer before it closes the connection."
                    + " Default: ${DEFAULT-VALUE}.")
    String keepAliveTimeout;

    @Option(names = "--experimental-watch-progress-notify-interval", paramLabel = "<duration>", defaultValue = "10m",
            description = "How often an idle watch that asked for progress notifications gets one."
                    + " Default: ${DEFAULT-VALUE}.")
    String watchProgressInterval;

    long snapshotEntries() {
        if (snapshotCount < 1) {
            throw LaunchException.usage("--snapshot-count " + snapshotCount + ": at least 1");
        }
        return snapshotCount;
    }

    ClientLimits clientLimits() {
        int requestBytes = positiveInt("--max-request-bytes", maxRequestBytes);
        int txnOps = positiveInt("--max-txn-ops", maxTxnOps);
        if (maxConcurrentStreams < 1 || maxConcurrentStreams > 0xFFFF_FFFFL) {
            throw LaunchException.usage("--max-concurrent-streams " + maxConcurrentStreams + ": expected 1 to"
                    + " 4294967295");
        }
        int streams = (int) Math.min(maxConcurrentStreams, Integer.MAX_VALUE);
        return new ClientLimits(requestBytes, txnOps, streams,
                durationOrZero("--grpc-keepalive-min-time", keepAliveMinTime),
                durationOrZero("--grpc-keepalive-interval", keepAliveInterval),
                MemberSettings.goDuration("--grpc-keepalive-timeout", keepAliveTimeout));
    }

    Duration watchProgressInterval() {
        return MemberSettings.goDuration("--experimental-watch-progress-notify-interval", watchProgressInterval);
    }

    private static int positiveInt(String flag, long value) {
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw LaunchException.usage(flag + " " + value + ": expected 1 to " + Integer.MAX_VALUE);
        }
        return (int) value;
    }

    /** A Go duration where 0 (etcd's "off") is allowed too. */
    private static Duration durationOrZero(String flag, String text) {
        String t = text.trim();
        if (t.equals("0") || t.equals("0s")) return Duration.ZERO;
        return MemberSettings.goDuration(flag, t);
    }
}
