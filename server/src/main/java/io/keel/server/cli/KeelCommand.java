package io.keel.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code keel [flags]}: runs one member. The flags are etcd's where they mean the same; see docs/operations.md.
 */
@Command(name = "keel", mixinStandardHelpOptions = true, versionProvider = KeelCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        // Subcommands (local-cluster, status, snapshot, recover): added by LauncherCommandLine, only when needed.
        description = {"Runs one Keel member: etcd's v3 gRPC API on the client URL, Raft with its peers on the peer"
                + " URL, metrics, health and the cluster page on the metrics URL. `keel status` shows who leads;"
                + " `keel local-cluster` runs three members; `keel snapshot` and `keel recover` restore and recover.",
                "Exit codes: 0 stopped cleanly (SIGTERM, Ctrl-C), 1 the member failed while running, 2 bad flags or"
                        + " config file, 3 data directory refused, 4 cannot listen on an address."})
public final class KeelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--name", defaultValue = "default", description = "This member's name."
            + " Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--data-dir", description = "Where this member keeps its data. Default: <name>.keel.")
    String dataDir;

    @Option(names = "--listen-client-urls", defaultValue = "http://localhost:2379",
            description = "Where etcd clients connect (gRPC and the HTTP gateway); comma-separated, served on each."
                    + " Default: ${DEFAULT-VALUE}.")
    String listenClientUrls;

    @Option(names = "--advertise-client-urls", defaultValue = "http://localhost:2379",
            description = "The client URLs to tell others about. Default: ${DEFAULT-VALUE}.")
    String advertiseClientUrls;

    @Option(names = "--listen-peer-urls", defaultValue = "http://localhost:2380",
            description = "Where peers connect; comma-separated, each listened on (unix://path for a Unix socket)."
                    + " Default: ${DEFAULT-VALUE}.")
    String listenPeerUrls;

    @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380",
            description = "This member's peer URLs as in --initial-cluster; peers dial each in turn."
                    + " Default: ${DEFAULT-VALUE}.")
    String initialAdvertisePeerUrls;

    @Option(names = "--initial-cluster", description = "Every initial member: name=http://host:port,... (a name once"
            + " per peer URL); ids derive from the URLs and the token, as etcd's."
            + " Default: <name>=<initial-advertise-peer-urls>.")
    String initialCluster;

    @Option(names = "--initial-cluster-state", defaultValue = "new", description = "new: bootstrap an empty data"
            + " directory (existing data of this member is opened as is); existing: the data must be there."
            + " Default: ${DEFAULT-VALUE}.")
    String initialClusterState;

    @Option(names = "--member-id", paramLabel = "<hex>", description = "Joining a running cluster (with"
            + " --initial-cluster-state existing and an empty data directory): the id `etcdctl member add` printed"
            + " for this member. Default: derived from --name.")
    String memberId;

    @Option(names = "--cluster-id", paramLabel = "<hex>", description = "Joining a running cluster: its id, as"
            + " `etcdctl member add` printed it. Needed with --member-id.")
    String clusterId;

    @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster",
            description = "Tells clusters with the same members apart: member and cluster ids derive from it and the"
                    + " peer URLs, as etcd's. Default: ${DEFAULT-VALUE} (etcd's).")
    String initialClusterToken;

    @Option(names = "--listen-metrics-urls", description = "The ops port: /metrics, /health, /readyz and"
            + " the cluster page (/) over HTTP."
            + " Default: none.")
    String listenMetricsUrls;

    @Option(names = "--heartbeat-interval", defaultValue = "100", paramLabel = "<ms>",
            description = "Leader heartbeat interval in ms. Default: ${DEFAULT-VALUE}.")
    long heartbeatIntervalMs;

    @Option(names = "--election-timeout", defaultValue = "1000", paramLabel = "<ms>",
            description = "Election timeout in ms (at least 5 heartbeats). Default: ${DEFAULT-VALUE}.")
    long electionTimeoutMs;

    @Option(names = "--experimental-lease-checkpoint-interval", defaultValue = "5m", paramLabel = "<duration>",
            description = "etcd's: how often the leader records the remaining time of each lease whose TTL is longer"
                    + " than this, so a new leader continues it from there (a Go duration: 300s, 5m, 1m30s). Keel"
                    + " always checkpoints leases. Default: ${DEFAULT-VALUE}.")
    String leaseCheckpointInterval;

    @Option(names = "--experimental-enable-lease-checkpoint", arity = "0..1", fallbackValue = "true",
            paramLabel = "<bool>", description = "Accepted as etcd spells it: Keel always checkpoints leases (false is"
                    + " refused).")
    Boolean enableLeaseCheckpoint;

    @Mixin
    ServingFlags serving;

    @Mixin
    LoggingFlags logging;

    @Mixin
    EtcdOnlyFlags etcdOnly;

    // Space and consistency (issue 14): see SpaceSettings.
    @Option(names = "--quota-backend-bytes", defaultValue = "0", paramLabel = "<bytes>", description = "etcd's:"
            + " past this store size, writes that add data are refused and the NOSPACE alarm is raised; 0 means"
            + " etcd's default, 2 GiB. Default: ${DEFAULT-VALUE}.")
    String quotaBackendBytes;

    @Option(names = "--auto-compaction-mode", defaultValue = "periodic", paramLabel = "periodic|revision",
            description = "etcd's: how --auto-compaction-retention is read. Default: ${DEFAULT-VALUE}.")
    String autoCompactionMode;

    @Option(names = "--auto-compaction-retention", defaultValue = "0", paramLabel = "<retention>",
            description = "etcd's: periodic mode keeps this long a history (a duration such as 30m, or hours);"
                    + " revision mode keeps this many revisions. 0: no auto-compaction. Default: ${DEFAULT-VALUE}.")
    String autoCompactionRetention;

    @Option(names = "--experimental-corrupt-check-time", defaultValue = "0s", paramLabel = "<duration>",
            description = "etcd's: how often the leader compares every member's key-value hash; a member that"
                    + " differs raises the CORRUPT alarm and stops serving. 0s: never. Default: ${DEFAULT-VALUE}.")
    String corruptCheckTime;

    @Option(names = "--experimental-initial-corrupt-check", arity = "0..1", fallbackValue = "true",
            paramLabel = "<bool>", description = "etcd's: before it serves clients, the member compares its"
                    + " key-value hash with its peers' at its revision, and stops if one differs. Default: false.")
    boolean initialCorruptCheck;

    @picocli.CommandLine.Mixin
    TlsFlags tls = new TlsFlags();

    @Option(names = "--strict-reconfig-check", arity = "0..1", fallbackValue = "true", defaultValue = "true",
            paramLabel = "<bool>", description = "etcd's: refuse a membership change that would leave fewer started"
                    + " members than a quorum, or while the leader does not hear from every voter (adding) or from a"
                    + " quorum without the member removed (removing). Default: ${DEFAULT-VALUE}.")
    boolean strictReconfigCheck;

    @Option(names = "--rejoin-via", paramLabel = "<client URLs>", description = "Keel's: bring back a member whose"
            + " data directory is gone, in one step, through these running members (with --initial-cluster-state"
            + " existing and an empty --data-dir): removes the member listed at this member's peer URL, adds it"
            + " back as a new member, starts, and promotes it once caught up.")
    String rejoinVia;

    @Option(names = "--auth-token", defaultValue = "simple", paramLabel = "<type,options>",
            description = "etcd's: the kind of token Authenticate hands out: simple (random, held in each member's"
                    + " memory) or jwt,pub-key=<pem>,priv-key=<pem>,sign-method=<RS256|ES256|...>[,ttl=<duration>]"
                    + " (signed, checked without state). Default: ${DEFAULT-VALUE}.")
    String authToken;

    @Option(names = "--auth-token-ttl", defaultValue = "300", paramLabel = "<s>",
            description = "etcd's: seconds a simple token lives unused. Default: ${DEFAULT-VALUE}.")
    long authTokenTtlSeconds;

    @Option(names = "--config-file", description = "A YAML file of flag-name: value lines; no other flag may be"
            + " given with it.")
    Path configFile;

    /** local-cluster's children stop when the launcher that started them is gone (even after kill -9). */
    @Option(names = "--exit-with-parent", hidden = true)
    Long exitWithParent;

    @Override
    public Integer call() {
        KeelCommand effective = effective();
        effective.logging.apply();
        StartupTimeline.markLauncher("flags read");
        return RunningMember.run(MemberSettings.of(effective), recorded -> MemberSettings.of(effective, recorded),
                exitWithParent);
    }

    /** The checked settings, from the flags or from --config-file. */
    MemberSettings settings() {
        return MemberSettings.of(effective());
    }

    /** This command's flags, or the config file's when --config-file is given. */
    private KeelCommand effective() {
        if (configFile == null) return this;
        long others = spec.commandLine().getParseResult().matchedOptions().stream()
                .filter(o -> !o.longestName().equals("--config-file") && !o.longestName().equals("--exit-with-parent"))
                .count();
        if (others > 0) {
            // etcd ignores flags given beside a config file; refusing says so instead of dropping them silently.
            throw LaunchException.usage("--config-file cannot be combined with other flags: put them in the file");
        }
        List<String> args = ConfigFile.toArguments(configFile);
        KeelCommand fromFile = new KeelCommand();
        try {
            new CommandLine(fromFile).setOverwrittenOptionsAllowed(true).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw LaunchException.usage("--config-file " + configFile + ": " + e.getMessage());
        }
        return fromFile;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KeelCommand.class.getPackage().getImplementationVersion();
            return new String[] {"keel " + (v == null ? "(development build)" : v)};
        }
    }
}
