package io.keel.server.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.raft.membership.ConfChanger;
import io.keel.raft.membership.Configuration;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.server.member.ClusterIdentity;
import io.keel.server.membership.MemberDirectory;
import io.keel.server.membership.MemberInfo;
import io.keel.server.membership.PeerUrls;
import io.keel.server.proto.MemberRecord;
import io.keel.server.proto.MembershipContext;
import io.keel.storage.log.MemberIdentity;
import io.keel.storage.log.NoKeelDataException;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.failure.StorageFailedException;
import io.keel.storage.log.WrongDataDirectoryException;
import io.keel.storage.mvcc.MvccStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code keel recover}: when a majority of the cluster is gone for good, turns the most up-to-date survivor's data
 * directory into the only member of a NEW cluster (etcd's {@code --force-new-cluster}, offline). It keeps the
 * survivor's whole log, the entries not known committed included (any of them may have been committed and
 * acknowledged by the old cluster: dropping them could lose an acknowledged write, keeping them applies writes
 * whose clients got no definite answer), appends membership changes removing every other member, marks all of it
 * committed, and moves the directory to a new cluster id, so no old member can ever talk to it again. It refuses
 * while any other old member still answers on its peer URL: a recovery must never make a second live cluster.
 */
@Command(name = "recover", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Offline recovery when a majority is lost for good: picks the survivor data directory with the"
                + " highest (last term, last index), reports the entries not known committed, and rewrites it as the"
                + " only member of a new cluster (new id from --initial-cluster-token and its peer URL). Refuses"
                + " while any other old member answers on its peer URL. The survivor's member must be stopped.",
                "Then start that member with the printed flags, and add the other machines as new members"
                        + " (docs/operations.md)."})
final class RecoverCommand implements Callable<Integer> {
    @Option(names = "--data-dir", required = true, paramLabel = "<dir>",
            description = "A survivor's data directory; repeat it to compare several (only the chosen one is"
                    + " rewritten).")
    List<Path> dataDirs;

    @Option(names = "--initial-cluster-token", paramLabel = "<token>",
            description = "The new cluster's token (a new one). Required unless --dry-run.")
    String token;

    @Option(names = "--initial-advertise-peer-urls", paramLabel = "<url>",
            description = "The recovered member's peer URL. Default: the one the cluster recorded for it.")
    String peerUrl;

    @Option(names = "--dry-run", description = "Report the survivors and what would be kept; change nothing.")
    boolean dryRun;

    @Option(names = "--peer-check-timeout", defaultValue = "2000", paramLabel = "<ms>",
            description = "How long to try each old member's peer URL. Default: ${DEFAULT-VALUE}.")
    long peerTimeoutMs;

    /** What one survivor's data directory holds. */
    record Survivor(Path dir, MemberIdentity identity, HardState hardState, SnapshotMetadata snapshot, long lastIndex,
                    long lastTerm, long applied, long revision, MemberDirectory directory, Configuration config,
                    Map<Long, List<String>> tailPeerUrls, Map<Long, Long> tailTerms) {
        String name() {
            MemberInfo me = directory.get(identity.memberId());
            return me != null && !me.name().isEmpty() ? me.name() : null;
        }
    }

    @Override
    public Integer call() {
        if (!dryRun && (token == null || token.isBlank())) {
            throw LaunchException.usage("--initial-cluster-token is required (the new cluster's token; a new one),"
                    + " unless --dry-run");
        }
        if (peerTimeoutMs < 1 || peerTimeoutMs > 60_000) {
            throw LaunchException.usage("--peer-check-timeout " + peerTimeoutMs + ": between 1 and 60000 ms");
        }
        if (new LinkedHashSet<>(dataDirs.stream().map(p -> p.toAbsolutePath().normalize()).toList()).size()
                != dataDirs.size()) {
            throw LaunchException.usage("--data-dir: the same directory is given twice");
        }
        InetSocketAddress explicitPeer = peerUrl == null ? null : Urls.single("--initial-advertise-peer-urls", peerUrl);
        PrintStream out = System.out;
        List<Survivor> survivors = new ArrayList<>();
        for (Path d : dataDirs) survivors.add(inspect(d));
        long cluster = survivors.get(0).identity().clusterId();
        for (Survivor s : survivors) {
            if (s.identity().clusterId() != cluster) {
                throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "the data directories belong to different"
                        + " clusters (" + Long.toHexString(cluster) + ", " + Long.toHexString(s.identity().clusterId())
                        + "): give the survivors of one cluster");
            }
        }
        out.println("keel: survivors of cluster " + Long.toHexString(cluster) + ":");
        Survivor chosen = survivors.get(0);
        for (Survivor s : survivors) {
            out.println("  " + s.dir() + ": member " + Long.toHexString(s.identity().memberId())
                    + (s.name() != null ? " (" + s.name() + ")" : "") + ", last entry: term " + s.lastTerm()
                    + " index " + s.lastIndex() + "; known committed up to " + s.hardState().getCommit()
                    + "; store applied " + s.applied() + " (revision " + s.revision() + ")");
            if (s.lastTerm() > chosen.lastTerm()
                    || (s.lastTerm() == chosen.lastTerm() && s.lastIndex() > chosen.lastIndex())) {
                chosen = s;
            }
        }
        out.println("keel: chosen: " + chosen.dir() + " (the highest last term, then last index: it holds every"
                + " entry any of these survivors knows committed)");
        long commit = chosen.hardState().getCommit();
        if (chosen.lastIndex() > commit) {
            Map<Long, Long> terms = chosen.tailTerms();
            out.println("keel: entries " + (commit + 1) + ".." + chosen.lastIndex() + " (terms " + terms.values()
                    .stream().distinct().sorted().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("")
                    + ") are in its log but not known committed: they MAY have been committed and acknowledged"
                    + " by the old cluster, or may never have been; they are kept and will be applied (their"
                    + " writers got no definite answer, and dropping them could lose an acknowledged write)");
        } else {
            out.println("keel: every entry in its log (up to " + chosen.lastIndex() + ") is known committed");
        }
        out.println("keel: entries the old cluster committed after index " + chosen.lastIndex() + " never reached"
                + " these survivors and are lost; compare with the last revision your clients saw");
        for (Survivor s : survivors) {
            if (s != chosen) {
                out.println("keel: " + s.dir() + " is not used: after the recovery, wipe it and add its machine as a"
                        + " new member");
            }
        }
        long self = chosen.identity().memberId();
        if (!chosen.config().isVoter(self) || chosen.config().isLearner(self)) {
            throw new LaunchException(ExitCodes.REFUSED, "member " + Long.toHexString(self) + " is not a voter in"
                    + " the configuration its log ends with (" + chosen.config() + "): recover from a voter's data"
                    + " directory");
        }
        // The other old members, with every peer URL known for them.
        Map<Long, Set<String>> others = new TreeMap<>();
        for (long id : chosen.config().members()) if (id != self) others.put(id, new LinkedHashSet<>());
        for (MemberInfo m : chosen.directory().members()) {
            if (m.id() != self) others.computeIfAbsent(m.id(), k -> new LinkedHashSet<>()).addAll(m.peerUrls());
        }
        chosen.tailPeerUrls().forEach((id, urls) -> {
            if (id != self && others.containsKey(id)) others.get(id).addAll(urls);
        });
        List<String> alive = new ArrayList<>();
        for (var e : others.entrySet()) {
            if (e.getValue().isEmpty()) {
                out.println("keel: warning: no peer URL is known for old member " + Long.toHexString(e.getKey())
                        + ": make sure it is stopped for good");
            }
            for (String url : e.getValue()) {
                if (answers(url)) alive.add(Long.toHexString(e.getKey()) + " at " + url);
            }
        }
        if (!alive.isEmpty()) {
            throw new LaunchException(ExitCodes.REFUSED, "refusing to recover: old member(s) " + String.join(", ",
                    alive) + " still answer on their peer URL. A recovery while an old member runs could make two"
                    + " live clusters. If a majority is still there, start the missing members instead; otherwise"
                    + " stop those processes for good (and keep them stopped), then run recover again. Nothing was"
                    + " changed");
        }
        out.println("keel: no other old member answers on its peer URL (" + others.size() + " checked)");

        // The recovered member's peer URL gives the new cluster's id.
        InetSocketAddress ownPeer = explicitPeer;
        if (ownPeer == null) {
            MemberInfo me = chosen.directory().get(self);
            List<String> urls = me != null ? me.peerUrls() : chosen.tailPeerUrls().getOrDefault(self, List.of());
            if (urls.isEmpty()) {
                throw LaunchException.usage("no peer URL is recorded for member " + Long.toHexString(self)
                        + ": give --initial-advertise-peer-urls");
            }
            ownPeer = Urls.single("recorded peer URL", urls.get(0));
        }
        if (dryRun) {
            out.println("keel: --dry-run: nothing was changed");
            return ExitCodes.OK;
        }
        long newCluster = ClusterIdentity.derive(token, Map.of(self, ownPeer));
        if (newCluster == cluster && chosen.config().members().equals(Set.of(self))) {
            out.println("keel: " + chosen.dir() + " already is the only member of cluster " + Long.toHexString(cluster)
                    + " (recovered before with this token?): nothing was changed; start it as printed then");
            return ExitCodes.OK;
        }
        if (newCluster == cluster) {
            throw LaunchException.usage("--initial-cluster-token " + token + " gives the old cluster's id "
                    + Long.toHexString(cluster) + ": give a new token");
        }

        // Membership changes that leave this member alone, each one checked as Raft will apply it.
        Configuration config = chosen.config();
        long term = Math.max(chosen.hardState().getTerm(), chosen.lastTerm());
        long index = chosen.lastIndex();
        List<Entry> appended = new ArrayList<>();
        List<ConfChange> changes = new ArrayList<>();
        if (config.isJoint()) changes.add(ConfChange.getDefaultInstance()); // leave the joint configuration first
        for (long id : config.members()) {
            if (id == self) continue;
            changes.add(ConfChange.newBuilder().addChanges(ConfChangeSingle.newBuilder()
                    .setType(ConfChangeType.REMOVE_MEMBER).setMemberId(id)).build());
        }
        for (ConfChange c : changes) {
            try {
                config = ConfChanger.apply(config, c);
            } catch (ConfChanger.InvalidChange e) {
                throw new LaunchException(ExitCodes.REFUSED, "cannot shrink the configuration " + config + " to member "
                        + Long.toHexString(self) + ": " + e.getMessage() + ". Nothing was changed");
            }
            appended.add(Entry.newBuilder().setTerm(term).setIndex(++index).setType(EntryType.ENTRY_CONF_CHANGE)
                    .setData(c.toByteString()).build());
        }
        if (!config.members().equals(Set.of(self)) || !config.isVoter(self)) {
            throw new LaunchException(ExitCodes.REFUSED, "the configuration would end as " + config + ", not member "
                    + Long.toHexString(self) + " alone. Nothing was changed");
        }
        HardState hs = HardState.newBuilder().setTerm(term)
                .setVote(chosen.hardState().getTerm() == term ? chosen.hardState().getVote() : 0)
                .setCommit(index).build();
        try {
            RocksLogStorage.rewriteForNewCluster(chosen.dir().resolve("raft-log"), chosen.identity(), newCluster,
                    appended, hs);
        } catch (RuntimeException e) {
            throw new LaunchException(ExitCodes.FAILED, "rewriting " + chosen.dir() + " failed (it is as it was"
                    + " unless the message says otherwise): " + e.getMessage(), e);
        }
        out.println("keel: rewrote " + chosen.dir() + " as the only member of NEW cluster "
                + Long.toHexString(newCluster) + ": " + appended.size() + " membership change(s) at "
                + (chosen.lastIndex() + 1) + ".." + index + " remove " + others.keySet().stream()
                .map(Long::toHexString).toList() + "; everything up to " + index + " is committed");
        MemberInfo recorded = chosen.directory().get(self);
        if (recorded != null && !recorded.peerUrls().isEmpty() && !recorded.peerUrls().contains(PeerUrls.text(ownPeer))) {
            out.println("keel: note: the member directory still gives this member the peer URL " + recorded.peerUrls()
                    + "; once it runs at " + PeerUrls.text(ownPeer) + ", run etcdctl member update "
                    + Long.toHexString(self) + " --peer-urls=" + PeerUrls.text(ownPeer) + " before adding members");
        }
        String name = chosen.name();
        boolean derivedId = name != null && MemberIds.fromName(name) == self;
        String nameText = name != null ? name : "<its name>";
        String url = PeerUrls.text(ownPeer);
        out.println("keel: start it with: keel --name " + nameText + " --data-dir " + chosen.dir()
                + " --initial-cluster " + nameText + "=" + url + " --initial-cluster-token " + token
                + " --initial-advertise-peer-urls " + url + " --listen-peer-urls " + url
                + " --initial-cluster-state existing"
                + (derivedId ? "" : " --member-id " + Long.toHexString(self) + " --cluster-id "
                + Long.toHexString(newCluster))
                + " (and its client URLs)");
        out.println("keel: then add the other machines as new members, one at a time, each with an EMPTY data"
                + " directory: etcdctl member add <name> --peer-urls=<url> --learner, start it with"
                + " --initial-cluster-state existing --member-id <id> --cluster-id " + Long.toHexString(newCluster)
                + ", then etcdctl member promote <id> (docs/operations.md)");
        return ExitCodes.OK;
    }

    /** Whether something accepts a TCP connection at {@code url} within the timeout. */
    private boolean answers(String url) {
        InetSocketAddress addr;
        try {
            addr = PeerUrls.address(url);
        } catch (RuntimeException e) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(addr.getHostString(), addr.getPort()), (int) peerTimeoutMs);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Survivor inspect(Path dir) {
        Path logDir = dir.resolve("raft-log");
        if (!Files.isDirectory(dir)) {
            throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + dir + ": no such directory");
        }
        MemberIdentity identity;
        HardState hs;
        SnapshotMetadata snapshot;
        long last;
        long lastTerm;
        Configuration config;
        Map<Long, List<String>> tailUrls = new LinkedHashMap<>();
        Map<Long, Long> tailTerms = new TreeMap<>();
        try {
            identity = RocksLogStorage.identityOf(logDir);
            try (RocksLogStorage log = RocksLogStorage.open(logDir, identity.clusterId(), identity.memberId())) {
                hs = log.hardState();
                snapshot = log.snapshotMetadata();
                last = log.lastIndex();
                lastTerm = log.term(last);
                config = Configuration.fromConfState(snapshot.getConfState());
                for (long lo = log.firstIndex(); lo <= last; ) {
                    List<Entry> batch = log.entries(lo, last + 1, 16L << 20);
                    for (Entry e : batch) {
                        if (e.getIndex() > hs.getCommit()) tailTerms.put(e.getIndex(), e.getTerm());
                        if (e.getType() != EntryType.ENTRY_CONF_CHANGE) continue;
                        ConfChange c = ConfChange.parseFrom(e.getData());
                        config = ConfChanger.apply(config, c);
                        if (!c.getContext().isEmpty()) {
                            for (MemberRecord r : MembershipContext.parseFrom(c.getContext()).getMembersList()) {
                                tailUrls.put(r.getId(), r.getPeerUrlsList());
                            }
                        }
                    }
                    lo += batch.size();
                }
            }
        } catch (NoKeelDataException e) {
            throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + dir + " holds no Keel member's data"
                    + " (no initialized Raft log in " + logDir + "): give a survivor's data directory");
        } catch (WrongDataDirectoryException e) {
            throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + dir + ": " + e.getMessage());
        } catch (StorageFailedException e) {
            String m = String.valueOf(e.getMessage());
            throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + dir + ": cannot open its Raft log"
                    + (m.contains("lock") ? " (is its member still running? stop it first)" : "") + ": " + m);
        } catch (InvalidProtocolBufferException | ConfChanger.InvalidChange e) {
            throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + dir + ": a membership change in its"
                    + " log cannot be read or applied: " + e.getMessage());
        } catch (RuntimeException e) {
            if (e instanceof LaunchException) throw e;
            throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + dir + ": cannot read its Raft log: "
                    + e.getMessage(), e);
        }
        Path storeDir = dir.resolve("store");
        if (!Files.isDirectory(storeDir.resolve("db"))) {
            throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + dir + ": it has a Raft log but no"
                    + " store (" + storeDir + ")");
        }
        try (MvccStore store = MvccStore.open(storeDir)) {
            return new Survivor(dir, identity, hs, snapshot, last, lastTerm, store.appliedIndex(), store.revision(),
                    MemberDirectory.decode(store.clusterRecord()), config, tailUrls, tailTerms);
        } catch (IllegalStateException e) { // StorageFailedException included
            String m = String.valueOf(e.getMessage());
            throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + dir + ": cannot open its store"
                    + (m.contains("lock") ? " (is its member still running? stop it first)" : "") + ": " + m);
        }
    }
}
