package io.keel.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import io.keel.server.etcd.proto.StatusRequest;
import io.keel.server.etcd.proto.StatusResponse;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Launcher processes forming one cluster ({@link MemberProcess} each), and the questions the multi-process tests
 * ask of them over etcd's API: who leads, does a member have a value. Closing it kills every member that still runs.
 */
final class ProcessCluster implements AutoCloseable {
    /** Generous: three JVMs and the test share a loaded 2-core machine. */
    static final Duration DEADLINE = Duration.ofSeconds(90);

    /** The clusters not yet closed, for {@link MemberOutputOnFailure}. */
    static final Set<ProcessCluster> OPEN = ConcurrentHashMap.newKeySet();

    final List<MemberProcess> members = new ArrayList<>();
    final String initialCluster;
    private final String token;
    /** Flags every member is started with, restarts included. */
    private final List<String> commonFlags;

    private ProcessCluster(Path dir, String token, List<String> names, List<String> commonFlags) {
        for (String name : names) members.add(new MemberProcess(name, dir));
        this.initialCluster = members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
        this.token = token;
        this.commonFlags = List.copyOf(commonFlags);
    }

    /**
     * Starts one launcher per name as a new cluster and waits until every member knows the same leader. On a
     * failure to get there, the members already started are killed.
     */
    /** An initial member's id: etcd's, from its peer URL and this cluster's token. */
    long id(MemberProcess m) {
        return io.keel.server.membership.EtcdIds.initialMember(List.of(m.peerUrl()), token);
    }

    static ProcessCluster start(Path dir, String token, String... names) throws IOException {
        return start(dir, token, names, new String[0]);
    }

    /** As {@link #start(Path, String, String...)}, every member (and every restart) with {@code flags} too. */
    static ProcessCluster start(Path dir, String token, String[] names, String... flags) throws IOException {
        return started(new ProcessCluster(dir, token, List.of(names), List.of(flags)));
    }

    /** As above, every member also given {@code flags} (at every start). */
    static ProcessCluster start(Path dir, String token, List<String> flags, String... names) throws IOException {
        return start(dir, token, names, flags.toArray(String[]::new));
    }

    private static ProcessCluster started(ProcessCluster c) throws IOException {
        OPEN.add(c);
        try {
            for (MemberProcess m : c.members) c.startMember(m);
            awaitLeaderKnownToAll(c.members);
            return c;
        } catch (IOException | RuntimeException | Error e) {
            c.closeQuietly(e);
            throw e;
        }
    }

    /** Starts (or restarts) {@code m} with this cluster's flags and {@code more}. */
    void startMember(MemberProcess m, String... more) throws IOException {
        List<String> flags = new ArrayList<>(List.of("--initial-cluster", initialCluster,
                "--initial-cluster-token", token));
        flags.addAll(commonFlags);
        flags.addAll(List.of(more));
        m.start(flags.toArray(String[]::new));
    }

    /** Every member but {@code m}. */
    List<MemberProcess> others(MemberProcess m) {
        return members.stream().filter(o -> o != m).toList();
    }

    /** Waits until every one of {@code candidates} reports the same leader, itself one of them, and returns it. */
    static MemberProcess awaitLeaderKnownToAll(List<MemberProcess> candidates) {
        MemberProcess[] leader = new MemberProcess[1];
        Poll.until("one leader known to all of " + names(candidates), DEADLINE, () -> {
            long agreed = 0;
            for (MemberProcess m : candidates) {
                OptionalLong l = leaderSeenBy(m);
                if (l.isEmpty() || l.getAsLong() == 0 || (agreed != 0 && l.getAsLong() != agreed)) return false;
                agreed = l.getAsLong();
            }
            long id = agreed;
            leader[0] = candidates.stream().filter(m -> m.printedId() == id).findFirst().orElse(null);
            return leader[0] != null;
        }, () -> diagnosis(candidates));
        return leader[0];
    }

    /** The one of {@code candidates} that reports itself leader right now, if any. */
    static Optional<MemberProcess> leaderAmong(List<MemberProcess> candidates) {
        for (MemberProcess m : candidates) {
            try {
                StatusResponse s = status(m);
                if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) return Optional.of(m);
            } catch (StatusRuntimeException e) {
                // not up, or stopped
            }
        }
        return Optional.empty();
    }

    /** The leader id {@code m} reports (0: none known); empty when it does not answer. */
    static OptionalLong leaderSeenBy(MemberProcess m) {
        try {
            return OptionalLong.of(status(m).getLeader());
        } catch (StatusRuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** A serializable read at {@code m} until it has the value (a follower may lag). */
    static void awaitValue(MemberProcess m, String key, String value) {
        Poll.until(m.name + " has " + key + "=" + value, DEADLINE, () -> {
            try {
                RangeResponse r = KVGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setSerializable(true)
                                .build());
                return r.getKvsCount() == 1 && r.getKvs(0).getValue().toStringUtf8().equals(value);
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
    }

    /**
     * Each member's state on one line (CI shows a failure's first line), then each member's first errors and last
     * output lines, for a failure message.
     */
    static String diagnosis(List<MemberProcess> ms) {
        StringBuilder b = new StringBuilder(" [");
        for (MemberProcess m : ms) {
            b.append(m.name).append(": ").append(m.describeState()).append(", leader ")
                    .append(leaderSeenBy(m).stream().mapToObj(Long::toHexString).findFirst().orElse("no answer"))
                    .append(m == ms.get(ms.size() - 1) ? "]" : "; ");
        }
        for (MemberProcess m : ms) {
            b.append("\n--- ").append(m.name).append(": first errors:\n").append(m.outputErrors(10))
                    .append("\n--- ").append(m.name).append(": last lines:\n").append(m.outputTail(30));
        }
        return b.toString();
    }

    private static StatusResponse status(MemberProcess m) {
        return MaintenanceGrpc.newBlockingStub(m.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance());
    }

    private static String names(List<MemberProcess> ms) {
        return ms.stream().map(m -> m.name).collect(Collectors.joining(", "));
    }

    private void closeQuietly(Throwable primary) {
        try {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            primary.addSuppressed(e);
        } catch (RuntimeException e) {
            primary.addSuppressed(e);
        }
    }

    /** Kills every member still running and closes the channels, all of them even if one fails. */
    @Override
    public void close() throws InterruptedException {
        OPEN.remove(this);
        RuntimeException first = null;
        InterruptedException interrupted = null;
        for (MemberProcess m : members) {
            try {
                m.close();
            } catch (InterruptedException e) {
                interrupted = e;
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (interrupted != null) throw interrupted;
        if (first != null) throw first;
    }
}
