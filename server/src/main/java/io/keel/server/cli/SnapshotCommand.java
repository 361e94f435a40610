package io.keel.server.cli;

import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.server.backup.BackupFile;
import io.keel.server.backup.BackupFileException;
import io.keel.server.member.ClusterIdentity;
import io.keel.server.membership.MemberDirectory;
import io.keel.server.membership.MemberInfo;
import io.keel.server.membership.PeerUrls;
import io.keel.server.proto.MemberDirectoryRecord;
import io.keel.server.proto.MemberRecord;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.api.ClusterRecordWrite;
import io.keel.storage.mvcc.api.KeyRange;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.RangeRequest;
import io.keel.storage.mvcc.snapshot.SnapshotImport;
import io.keel.storage.mvcc.snapshot.SnapshotManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code keel snapshot status FILE} and {@code keel snapshot restore FILE ...}: Keel's side of etcd's
 * {@code etcdutl snapshot}, for the files {@code etcdctl snapshot save} writes from a Keel member.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {SnapshotCommand.Status.class, SnapshotCommand.Restore.class},
        description = {"Reads and restores snapshot files saved from a Keel member with `etcdctl snapshot save FILE`."})
final class SnapshotCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw LaunchException.usage("snapshot needs a subcommand: status or restore (see 'keel snapshot --help')");
    }

    /** Verifies {@code file} completely (SHA-256, every chunk, RocksDB's block checks) into {@code storeDir}. */
    static BackupFile.Info importInto(Path file, Path storeDir) {
        try {
            Files.createDirectories(storeDir);
            // The SHA-256 is checked before the first chunk arrives; the manifest comes with the header.
            SnapshotImport[] imp = new SnapshotImport[1];
            try {
                BackupFile.Info info = BackupFile.read(file, chunk -> {
                    if (imp[0] == null) throw new IllegalStateException("chunk before manifest");
                    imp[0].accept(chunk);
                }, manifest -> imp[0] = SnapshotImport.begin(storeDir, manifest));
                if (imp[0] == null) throw new BackupFileException(file + " holds no snapshot");
                imp[0].finish();
                return info;
            } finally {
                if (imp[0] != null) imp[0].close();
            }
        } catch (BackupFileException e) {
            throw new LaunchException(ExitCodes.REFUSED, e.getMessage());
        } catch (IllegalStateException e) { // StorageFailedException included
            throw new LaunchException(ExitCodes.REFUSED, file + ": the store image in it is damaged: " + e.getMessage());
        } catch (IOException e) {
            throw new LaunchException(ExitCodes.REFUSED, "reading " + file + ": " + e);
        }
    }

    static void deleteRecursively(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException("deleting " + p, e);
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Checks a snapshot file completely (its SHA-256, every chunk's CRC32C, the store image)"
                    + " and prints what it holds."})
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot file.")
        Path file;

        @Option(names = {"-w", "--write-out"}, defaultValue = "simple",
                description = "simple (one 'name: value' line each) or json. Default: ${DEFAULT-VALUE}.")
        String writeOut;

        @Override
        public Integer call() throws IOException {
            if (!writeOut.equals("simple") && !writeOut.equals("json")) {
                throw LaunchException.usage("--write-out '" + writeOut + "': expected simple or json");
            }
            Path scratch = Files.createTempDirectory("keel-snapshot-status");
            try {
                BackupFile.Info info = importInto(file, scratch.resolve("store"));
                Map<String, Object> fields = new LinkedHashMap<>();
                try (MvccStore store = MvccStore.open(scratch.resolve("store"))) {
                    SnapshotManifest m = info.manifest();
                    long keys = store.range(RangeRequest.of(KeyRange.atLeast(new byte[] {0})).withCountOnly()).count();
                    MemberDirectory directory = MemberDirectory.decode(store.clusterRecord());
                    fields.put("hash", info.sha256());
                    fields.put("revision", m.revision());
                    fields.put("compactRevision", m.compactRevision());
                    fields.put("appliedIndex", m.appliedIndex());
                    fields.put("totalKey", keys);
                    fields.put("leases", store.leases().size());
                    fields.put("totalSize", info.fileBytes());
                    fields.put("clusterId", Long.toHexString(info.clusterId()));
                    fields.put("memberId", Long.toHexString(info.memberId()));
                    fields.put("created", Instant.ofEpochMilli(info.createdMillis()).toString());
                    fields.put("members", directory.members().stream().map(MemberInfo::toString).toList().toString());
                }
                PrintStream out = System.out;
                if (writeOut.equals("json")) {
                    StringBuilder b = new StringBuilder("{");
                    fields.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":")
                            .append(v instanceof Number ? v.toString() : "\"" + v.toString().replace("\\", "\\\\")
                                    .replace("\"", "\\\"") + "\""));
                    out.println(b.append('}'));
                } else {
                    fields.forEach((k, v) -> out.println(k + ": " + v));
                }
                return ExitCodes.OK;
            } finally {
                deleteRecursively(scratch);
            }
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Builds the data directory of one member of a NEW cluster from a snapshot file (etcdutl's"
                    + " flags). Run it once per member of the new cluster, each with its own --name and"
                    + " --initial-advertise-peer-urls and the same --initial-cluster and --initial-cluster-token;"
                    + " then start each member with those flags and --initial-cluster-state existing.",
                    "The new cluster's id derives from --initial-cluster-token and --initial-cluster; it must differ"
                            + " from the id of the cluster the snapshot came from, so restored members can never"
                            + " join the old cluster. Nothing is written unless the whole file checks out."})
    static final class Restore implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot file.")
        Path file;

        @Option(names = "--name", defaultValue = "default", description = "This member's name. Default:"
                + " ${DEFAULT-VALUE}.")
        String name;

        @Option(names = "--initial-cluster", description = "Every member of the new cluster: name=http://host:port,..."
                + " Default: <name>=<initial-advertise-peer-urls>.")
        String initialCluster;

        @Option(names = "--initial-cluster-token", defaultValue = "keel-cluster",
                description = "The new cluster's token (use a new one). Default: ${DEFAULT-VALUE}.")
        String token;

        @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380",
                description = "This member's peer URL, as in --initial-cluster. Default: ${DEFAULT-VALUE}.")
        String peerUrl;

        @Option(names = "--data-dir", description = "The new member's data directory; must not exist or be empty."
                + " Default: <name>.keel.")
        String dataDir;

        @Override
        public Integer call() throws IOException {
            String n = name.trim();
            if (n.isEmpty() || n.contains("=") || n.contains(",")) {
                throw LaunchException.usage("--name '" + name + "': a member needs a non-empty name without '=' or ','");
            }
            InetSocketAddress advertise = Urls.single("--initial-advertise-peer-urls", peerUrl);
            Map<String, InetSocketAddress> byName = Urls.initialCluster(initialCluster != null ? initialCluster
                    : n + "=" + peerUrl);
            InetSocketAddress own = byName.get(n);
            if (own == null) {
                throw LaunchException.usage("--initial-cluster " + byName.keySet() + " does not name this member"
                        + " (--name " + n + ")");
            }
            if (!own.equals(advertise) || !own.getHostString().equals(advertise.getHostString())) {
                throw LaunchException.usage("--initial-cluster gives " + n + " the peer URL " + Urls.text(own)
                        + " but --initial-advertise-peer-urls is " + Urls.text(advertise) + ": they must match");
            }
            if (token.isBlank()) throw LaunchException.usage("--initial-cluster-token is empty");
            Map<Long, InetSocketAddress> cluster = new TreeMap<>();
            Map<Long, String> names = new LinkedHashMap<>();
            byName.forEach((member, addr) -> {
                long id = MemberIds.fromName(member);
                String clash = names.putIfAbsent(id, member);
                if (clash != null) {
                    throw LaunchException.usage("members '" + clash + "' and '" + member + "' derive the same id "
                            + Long.toHexString(id) + ": rename one");
                }
                cluster.put(id, addr);
            });
            long ownId = MemberIds.fromName(n);
            long clusterId = ClusterIdentity.derive(token, cluster);
            Path target = Path.of(dataDir != null ? dataDir : n + ".keel").toAbsolutePath();
            if (Files.exists(target) && !(Files.isDirectory(target) && isEmpty(target))) {
                throw new LaunchException(ExitCodes.DATA_DIR_REFUSED, "--data-dir " + target + " already exists and"
                        + " is not empty: a restore builds a new member's data directory and never overwrites one");
            }
            Path parent = target.getParent();
            Files.createDirectories(parent);
            Path work = parent.resolve(target.getFileName() + ".restoring");
            deleteRecursively(work);
            boolean done = false;
            try {
                BackupFile.Info info = importInto(file, work.resolve("store"));
                if (info.clusterId() == clusterId) {
                    throw new LaunchException(ExitCodes.USAGE, "--initial-cluster-token " + token + " and"
                            + " --initial-cluster give the new cluster the id " + Long.toHexString(clusterId)
                            + ", the id of the cluster this snapshot came from: restored members could then talk to"
                            + " the old ones. Give a new --initial-cluster-token");
                }
                long index = info.manifest().appliedIndex() + 1;
                // The new cluster's member directory, at the index the new log starts from: its members, unstarted
                // until each announces itself, with no incarnation until each publishes its own.
                MemberDirectoryRecord.Builder record = MemberDirectoryRecord.newBuilder();
                cluster.forEach((id, addr) -> record.addMembers(MemberRecord.newBuilder().setId(id)
                        .addPeerUrls(PeerUrls.text(addr))));
                try (MvccStore store = MvccStore.open(work.resolve("store"))) {
                    store.apply(index, new ClusterRecordWrite(record.build().toByteArray()));
                    store.sync();
                }
                SnapshotMetadata snapshot = SnapshotMetadata.newBuilder().setIndex(index).setTerm(1)
                        .setConfState(ConfState.newBuilder().addAllVoters(cluster.keySet())).build();
                HardState hardState = HardState.newBuilder().setTerm(1).setCommit(index).build();
                RocksLogStorage.restore(work.resolve("raft-log"), clusterId, ownId, snapshot, hardState).close();
                syncDirectory(work);
                if (Files.exists(target)) Files.delete(target); // an empty directory
                Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
                syncDirectory(parent);
                done = true;
                PrintStream out = System.out;
                out.println("keel: restored " + file + " (revision " + info.manifest().revision() + ", applied index "
                        + info.manifest().appliedIndex() + ", from cluster " + Long.toHexString(info.clusterId())
                        + ") into " + target);
                out.println("keel: member " + n + " (id " + Long.toHexString(ownId) + ") of NEW cluster "
                        + Long.toHexString(clusterId) + " with members " + String.join(",", byName.keySet()));
                out.println("keel: start it with --name " + n + " --data-dir " + target + " --initial-cluster "
                        + (initialCluster != null ? initialCluster : n + "=" + peerUrl) + " --initial-cluster-token "
                        + token + " --initial-advertise-peer-urls " + peerUrl + " --initial-cluster-state existing"
                        + " (and its client and listen URLs)");
                return ExitCodes.OK;
            } finally {
                if (!done) deleteRecursively(work);
            }
        }

        private static boolean isEmpty(Path dir) throws IOException {
            try (Stream<Path> s = Files.list(dir)) {
                return s.findAny().isEmpty();
            }
        }
    }
}
