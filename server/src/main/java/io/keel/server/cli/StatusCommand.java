package io.keel.server.cli;

import io.keel.server.etcd.proto.MemberListResponse;
import io.keel.server.etcd.proto.StatusResponse;
import io.keel.server.membership.MemberInfo;
import io.keel.server.ops.ClusterJson;
import io.keel.server.ops.ClusterView;
import io.keel.server.ops.MemberFacts;
import io.keel.server.ops.StatusProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code keel status --endpoints=...}: who leads, seen from the terminal. Asks each endpoint etcd's Maintenance.Status
 * and Cluster.MemberList (etcd's API only; not tried against etcd itself), then prints one row per endpoint with the
 * same facts as the cluster page, and the same warnings. Exit 0 when every endpoint answered, 1 when one did not.
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Shows each member's role, term, leader, commit and applied index, lag, health and URLs,"
                + " as a table or JSON, and warns when members disagree about the leader.",
                "Exit codes: 0 every endpoint answered, 1 one could not be reached, 2 bad flags."})
final class StatusCommand implements Callable<Integer> {
    /**
     * gRPC logs through java.util.logging, which nothing configures in a short-lived command: its INFO lines (Netty's
     * epoll probe) would mix with the table. Held here so the level is not lost with a collected logger.
     */
    private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

    @Option(names = "--endpoints", required = true, split = ",", paramLabel = "<url>",
            description = "Client URLs to ask, comma-separated: http://host:port,...")
    List<String> endpoints;

    @Option(names = "--cluster", description = "Ask every member the endpoints list (their client URLs), as"
            + " etcdctl's --cluster does.")
    boolean cluster;

    @Option(names = {"-w", "--write-out"}, defaultValue = "table", paramLabel = "table|json",
            description = "Output format. Default: ${DEFAULT-VALUE}.")
    String writeOut;

    @Option(names = "--command-timeout", defaultValue = "5s", paramLabel = "<duration>",
            description = "How long to wait for each answer: 500ms, 5s. Default: ${DEFAULT-VALUE}.")
    String commandTimeout;

    @Option(names = "--cacert", paramLabel = "<file>", description = "https:// endpoints: their CA (PEM), as"
            + " etcdctl's. Default: the JDK's CAs.")
    java.nio.file.Path cacert;

    @Option(names = "--cert", paramLabel = "<file>", description = "https:// endpoints: the client certificate to"
            + " present (PEM), as etcdctl's.")
    java.nio.file.Path cert;

    @Option(names = "--key", paramLabel = "<file>", description = "Its private key (PEM), as etcdctl's.")
    java.nio.file.Path key;

    @Option(names = "--insecure-skip-tls-verify", description = "https:// endpoints: do not check their"
            + " certificates (as etcdctl's).")
    boolean insecureSkipTlsVerify;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!writeOut.equals("table") && !writeOut.equals("json")) {
            throw LaunchException.usage("--write-out '" + writeOut + "': expected table or json");
        }
        Duration timeout = duration(commandTimeout);
        GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
        ClusterView view;
        io.grpc.ChannelCredentials tls;
        try {
            tls = cacert == null && cert == null && key == null && !insecureSkipTlsVerify ? null
                    : io.keel.server.tls.ProbeCredentials.of(cacert, cert, key, insecureSkipTlsVerify);
        } catch (IllegalArgumentException e) {
            throw LaunchException.usage(e.getMessage());
        }
        try (StatusProbe probe = new StatusProbe(tls)) {
            view = survey(probe, timeout);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (writeOut.equals("json")) {
            out.println(ClusterJson.of(view));
        } else {
            StatusTable.print(view, out);
        }
        out.flush();
        return view.unreachable().isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private ClusterView survey(StatusProbe probe, Duration timeout) {
        // etcdctl also takes host:port; a member announces http://host:port.
        List<String> urls = new ArrayList<>(new LinkedHashSet<>(endpoints.stream().map(String::trim)
                .filter(s -> !s.isEmpty()).map(s -> s.contains("://") ? s : "http://" + s).toList()));
        if (urls.isEmpty()) throw LaunchException.usage("--endpoints: give at least one client URL");
        List<MemberInfo> directory = memberList(probe, urls, timeout);
        if (cluster && !directory.isEmpty()) {
            urls = directory.stream().filter(m -> !m.clientUrls().isEmpty()).map(m -> m.clientUrls().get(0)).toList();
        }
        Map<String, CompletableFuture<StatusResponse>> asked = new LinkedHashMap<>();
        for (String url : urls) asked.put(url, probe.status(url, timeout));
        List<MemberFacts> members = new ArrayList<>();
        long clusterId = 0;
        for (Map.Entry<String, CompletableFuture<StatusResponse>> e : asked.entrySet()) {
            String url = e.getKey();
            try {
                StatusResponse s = e.getValue().join();
                if (clusterId == 0) clusterId = s.getHeader().getClusterId();
                MemberInfo info = byId(directory, s.getHeader().getMemberId())
                        .orElse(new MemberInfo(s.getHeader().getMemberId(), "", List.of(), List.of(url), false));
                members.add(MemberFacts.answered(info, s, System.currentTimeMillis()));
            } catch (CompletionException failure) {
                MemberInfo info = byClientUrl(directory, url)
                        .orElse(new MemberInfo(0, url, List.of(), List.of(url), false));
                members.add(MemberFacts.unreachable(info, url + ": " + StatusProbe.describe(failure), 0));
            }
        }
        return StatusTable.view(members, clusterId);
    }

    /** The members as the first endpoint that answers MemberList knows them; empty if none does. */
    private static List<MemberInfo> memberList(StatusProbe probe, List<String> urls, Duration timeout) {
        for (String url : urls) {
            try {
                MemberListResponse r = probe.memberList(url, timeout).join();
                return r.getMembersList().stream().map(m -> new MemberInfo(m.getID(), m.getName(),
                        m.getPeerURLsList(), m.getClientURLsList(), m.getIsLearner())).toList();
            } catch (CompletionException e) {
                // try the next endpoint; its Status failure is reported in its row
            }
        }
        return List.of();
    }

    private static Optional<MemberInfo> byId(List<MemberInfo> directory, long id) {
        return directory.stream().filter(m -> m.id() == id).findFirst();
    }

    private static Optional<MemberInfo> byClientUrl(List<MemberInfo> directory, String url) {
        return directory.stream().filter(m -> m.clientUrls().contains(url)).findFirst();
    }

    /** etcdctl's durations as far as a timeout needs: 500ms, 5s, 1m. */
    static Duration duration(String text) {
        String t = text.trim();
        try {
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (t.endsWith("s")) return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            if (t.endsWith("m")) return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        } catch (NumberFormatException e) {
            // reported below
        }
        throw LaunchException.usage("--command-timeout '" + text + "': expected a duration such as 500ms or 5s");
    }
}
