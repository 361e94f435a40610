package io.keel.server.cli;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * etcd 3.4's flags that have no counterpart in Keel, so that a command line or config file written for etcd is
 * understood rather than refused as unknown. Each one is either accepted with one line saying why it changes nothing
 * (a bbolt tuning, Go's profiler), accepted when its value is what Keel always does ({@code --pre-vote=true}), or
 * refused with the reason where accepting it would mislead ({@code --unsafe-no-fsync}, {@code --enable-v2},
 * discovery). The flags Keel implements are declared where they are used ({@link KeelCommand}, {@link ServingFlags}).
 */
final class EtcdOnlyFlags {
    // Member
    @Option(names = "--wal-dir", paramLabel = "<dir>", description = "Refused unless empty: Keel keeps its Raft log"
            + " in --data-dir.")
    String walDir;
    @Option(names = "--max-snapshots", paramLabel = "<n>", description = "No effect: Keel keeps one snapshot.")
    String maxSnapshots;
    @Option(names = "--max-wals", paramLabel = "<n>", description = "No effect: Keel's log has no WAL files; it is"
            + " compacted after each snapshot.")
    String maxWals;
    @Option(names = "--initial-election-tick-advance", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "No effect: a starting member waits one randomized election timeout before it campaigns.")
    String initialElectionTickAdvance;
    @Option(names = "--backend-batch-interval", paramLabel = "<duration>", description = "No effect: a bbolt"
            + " tuning; Keel writes each applied batch to RocksDB at once.")
    String backendBatchInterval;
    @Option(names = "--backend-batch-limit", paramLabel = "<n>", description = "No effect: a bbolt tuning.")
    String backendBatchLimit;
    @Option(names = "--force-new-cluster", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Refused: run the offline `keel recover` instead (docs/operations.md).")
    String forceNewCluster;
    // Clustering
    @Option(names = "--discovery", paramLabel = "<url>", description = "Refused unless empty: Keel has no discovery"
            + " service; give --initial-cluster.")
    String discovery;
    @Option(names = "--discovery-fallback", paramLabel = "<exit|proxy>", description = "No effect without"
            + " --discovery.")
    String discoveryFallback;
    @Option(names = "--discovery-proxy", paramLabel = "<url>", description = "Refused unless empty (no discovery).")
    String discoveryProxy;
    @Option(names = "--discovery-srv", paramLabel = "<domain>", description = "Refused unless empty (no DNS"
            + " discovery).")
    String discoverySrv;
    @Option(names = "--discovery-srv-name", paramLabel = "<name>", description = "Refused unless empty (no DNS"
            + " discovery).")
    String discoverySrvName;
    @Option(names = "--pre-vote", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Keel always pre-votes; false is refused.")
    String preVote;
    @Option(names = "--enable-v2", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Keel serves only the v3 API; true is refused.")
    String enableV2;
    @Option(names = "--experimental-enable-v2v3", paramLabel = "<prefix>", description = "Refused unless empty (no"
            + " v2 API).")
    String enableV2v3;
    // Proxy
    @Option(names = "--proxy", paramLabel = "<off|on|readonly>", description = "Keel runs no v2 proxy; only off is"
            + " accepted.")
    String proxy;
    @Option(names = {"--proxy-failure-wait", "--proxy-refresh-interval", "--proxy-dial-timeout",
            "--proxy-write-timeout", "--proxy-read-timeout"}, paramLabel = "<ms>", description = "No effect (no"
            + " proxy).")
    List<String> proxyTimeouts;
    // Client gateway
    @Option(names = "--enable-grpc-gateway", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Keel always serves etcd's HTTP/JSON gateway on a plain-text client port; false is"
                    + " refused.")
    String enableGrpcGateway;
    @Option(names = "--cors", paramLabel = "<origins>", description = "Refused unless empty: Keel's gateway sends no"
            + " CORS headers yet.")
    String cors;
    @Option(names = "--host-whitelist", paramLabel = "<hosts>", description = "Keel's gateway answers every Host, as"
            + " etcd's default '*'; a list is refused.")
    String hostWhitelist;
    // Logging
    @Option(names = "--logger", paramLabel = "<zap|capnslog>", description = "No effect: Keel logs through"
            + " SLF4J/logback (conf/logback.xml, or KEEL_LOGBACK).")
    String logger;
    @Option(names = {"--log-outputs", "--log-output"}, paramLabel = "<default|stdout|stderr>",
            description = "Keel logs where conf/logback.xml says (standard output); a file is refused: point"
                    + " KEEL_LOGBACK at a logback.xml with a file appender.")
    List<String> logOutputs;
    @Option(names = "--log-package-levels", paramLabel = "<levels>", description = "No effect: set levels per"
            + " logger in logback.xml.")
    String logPackageLevels;
    // Profiling and monitoring
    @Option(names = "--enable-pprof", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "No effect: Go's profiler; profile Keel with JDK Flight Recorder (JAVA_OPTS).")
    String enablePprof;
    @Option(names = "--metrics", paramLabel = "<basic|extensive>", description = "No effect: Keel serves the same"
            + " metrics either way.")
    String metrics;
    // Experimental and unsafe
    @Option(names = "--experimental-backend-bbolt-freelist-type", paramLabel = "<type>",
            description = "No effect: a bbolt tuning.")
    String bboltFreelist;
    @Option(names = "--experimental-compaction-batch-limit", paramLabel = "<n>", description = "No effect: a bbolt"
            + " tuning of compaction.")
    String compactionBatchLimit;
    @Option(names = "--experimental-enable-lease-checkpoint-persist", arity = "0..1", fallbackValue = "true",
            paramLabel = "<bool>", description = "No effect: Keel's lease checkpoints are always Raft entries, kept"
                    + " across restarts.")
    String leaseCheckpointPersist;
    @Option(names = "--experimental-warning-apply-duration", paramLabel = "<duration>", description = "No effect:"
            + " Keel reports apply latency as a metric, not as warnings.")
    String warningApplyDuration;
    // Security
    @Option(names = "--experimental-peer-skip-client-san-verification", arity = "0..1", fallbackValue = "true",
            paramLabel = "<bool>", description = "Keel does not check a peer's certificate against its address;"
                    + " false is refused.")
    String peerSkipSan;
    @Option(names = "--bcrypt-cost", paramLabel = "<cost>", description = "Keel hashes passwords at bcrypt cost 10"
            + " (etcd's default); another cost is refused.")
    String bcryptCost;
    @Option(names = "--unsafe-no-fsync", arity = "0..1", fallbackValue = "true", paramLabel = "<bool>",
            description = "Refused when true: Keel acknowledges nothing before its fsync.")
    String unsafeNoFsync;

    /** A flag, its value, and what Keel does with it. */
    private record Rule(String flag, String value, Set<String> keelBehaviour, boolean refuseOthers, String why) {
    }

    /**
     * Checks the flags given; returns one line per flag accepted without effect, and throws a usage error for the
     * first one refused.
     */
    List<String> check() {
        List<Rule> rules = new ArrayList<>();
        refuseUnless(rules, "--wal-dir", walDir, Set.of(""), "Keel keeps its Raft log in --data-dir (a separate log"
                + " directory is not supported)");
        noEffect(rules, "--max-snapshots", maxSnapshots, "Keel keeps only its latest snapshot");
        noEffect(rules, "--max-wals", maxWals, "Keel's log has no WAL files; it is compacted after each snapshot"
                + " (--snapshot-count)");
        noEffect(rules, "--initial-election-tick-advance", initialElectionTickAdvance, "a starting member waits one"
                + " randomized election timeout before it campaigns");
        noEffect(rules, "--backend-batch-interval", backendBatchInterval, "a bbolt tuning; Keel writes each applied"
                + " batch to RocksDB at once");
        noEffect(rules, "--backend-batch-limit", backendBatchLimit, "a bbolt tuning; Keel writes each applied batch"
                + " to RocksDB at once");
        refuseUnless(rules, "--force-new-cluster", forceNewCluster, Set.of("false"), "Keel does not rewrite a"
                + " member's cluster at start; stop it and run `keel recover --data-dir DIR` (docs/operations.md,"
                + " 'When a majority is lost')");
        refuseUnless(rules, "--discovery", discovery, Set.of(""), "Keel has no discovery service: give every member"
                + " in --initial-cluster");
        noEffect(rules, "--discovery-fallback", discoveryFallback, "it applies only with --discovery");
        refuseUnless(rules, "--discovery-proxy", discoveryProxy, Set.of(""), "Keel has no discovery service");
        refuseUnless(rules, "--discovery-srv", discoverySrv, Set.of(""), "Keel has no DNS discovery: give every"
                + " member in --initial-cluster");
        refuseUnless(rules, "--discovery-srv-name", discoverySrvName, Set.of(""), "Keel has no DNS discovery");
        refuseUnless(rules, "--pre-vote", preVote, Set.of("true"), "Keel always runs the pre-vote (Raft thesis"
                + " 9.6): a member that rejoins after a partition must not depose a working leader");
        refuseUnless(rules, "--enable-v2", enableV2, Set.of("false"), "Keel serves only etcd's v3 API");
        refuseUnless(rules, "--experimental-enable-v2v3", enableV2v3, Set.of(""), "Keel serves only etcd's v3 API");
        refuseUnless(rules, "--proxy", proxy, Set.of("off"), "Keel does not run etcd's v2 proxy");
        if (proxyTimeouts != null) {
            for (String v : proxyTimeouts) noEffect(rules, "--proxy-*-timeout", v, "Keel does not run etcd's v2 proxy");
        }
        refuseUnless(rules, "--enable-grpc-gateway", enableGrpcGateway, Set.of("true"), "Keel always serves etcd's"
                + " HTTP/JSON gateway on a plain-text client port");
        refuseUnless(rules, "--cors", cors, Set.of(""), "Keel's HTTP gateway sends no CORS headers yet, so browsers"
                + " of other origins would be refused anyway");
        refuseUnless(rules, "--host-whitelist", hostWhitelist, Set.of("", "*"), "Keel's HTTP gateway answers every"
                + " Host header (etcd's default '*'); a list is not supported yet");
        noEffect(rules, "--logger", logger, "Keel logs through SLF4J/logback (conf/logback.xml, or KEEL_LOGBACK)");
        if (logOutputs != null) {
            for (String v : logOutputs) {
                for (String out : v.split(",")) {
                    refuseUnless(rules, "--log-outputs", out.trim(), Set.of("default", "stdout", "stderr"),
                            "Keel logs where its logback.xml says (standard output by default): point KEEL_LOGBACK"
                                    + " at a logback.xml with a file appender");
                }
            }
        }
        noEffect(rules, "--log-package-levels", logPackageLevels, "set levels per logger in logback.xml");
        noEffect(rules, "--enable-pprof", enablePprof, "it is Go's profiler; profile Keel with JDK Flight Recorder"
                + " (JAVA_OPTS=-XX:StartFlightRecording)");
        noEffect(rules, "--metrics", metrics, "Keel serves the same metrics either way");
        noEffect(rules, "--experimental-backend-bbolt-freelist-type", bboltFreelist, "a bbolt tuning");
        noEffect(rules, "--experimental-compaction-batch-limit", compactionBatchLimit, "a bbolt tuning of"
                + " compaction");
        noEffect(rules, "--experimental-enable-lease-checkpoint-persist", leaseCheckpointPersist, "Keel's lease"
                + " checkpoints are always Raft entries, kept across restarts");
        noEffect(rules, "--experimental-warning-apply-duration", warningApplyDuration, "Keel reports apply latency"
                + " as a metric (keel_server_apply_duration_seconds), not as warnings");
        refuseUnless(rules, "--experimental-peer-skip-client-san-verification", peerSkipSan, Set.of("true"), "Keel"
                + " does not check a peer's client certificate against its address (its CA and"
                + " --peer-cert-allowed-cn decide)");
        refuseUnless(rules, "--bcrypt-cost", bcryptCost, Set.of("10"), "Keel hashes passwords at bcrypt cost 10,"
                + " etcd's default; another cost is not supported yet");
        refuseUnless(rules, "--unsafe-no-fsync", unsafeNoFsync, Set.of("false"), "Keel acknowledges nothing before"
                + " its fsync");

        List<String> notices = new ArrayList<>();
        for (Rule r : rules) {
            String v = r.value().trim();
            if (r.keelBehaviour().contains(v.toLowerCase(java.util.Locale.ROOT))) continue;
            if (r.refuseOthers()) throw LaunchException.usage(r.flag() + "=" + v + " is refused: " + r.why());
            notices.add(r.flag() + " has no meaning for Keel and is ignored: " + r.why());
        }
        return notices;
    }

    private static void noEffect(List<Rule> rules, String flag, String value, String why) {
        if (value != null) rules.add(new Rule(flag, value, Set.of(), false, why));
    }

    private static void refuseUnless(List<Rule> rules, String flag, String value, Set<String> keel, String why) {
        if (value != null) rules.add(new Rule(flag, value, keel, true, why));
    }
}
