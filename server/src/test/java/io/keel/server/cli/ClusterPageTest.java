package io.keel.server.cli;

import io.keel.server.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.keel.server.cli.ProcessCluster.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, as an operator sees it: headless Chromium opens the cluster page of a follower of a three-process
 * cluster and finds three members, one leader, all healthy; `keel status` prints the same. Then the leader is killed
 * with kill -9, and the same page shows the new leader and the dead member unreachable. Screenshots of both moments
 * are kept in target/cluster-page/. One member's name carries HTML ({@value #ODD_NAME}), which must show as text.
 */
@ExtendWith(MemberOutputOnFailure.class)
class ClusterPageTest {
    private static final String ODD_NAME = "p3<b>";
    private static final Path SCREENSHOTS = Path.of("target", "cluster-page");
    private static final Pattern ROW = Pattern.compile("<tr ([^>]*data-id=[^>]*)>");
    private static final Pattern ATTRIBUTE = Pattern.compile("data-(id|name|role|health)=\"([^\"]*)\"");

    @RegisterExtension
    final CloseAfterEach closing = new CloseAfterEach();

    /** One member row of the page as the DOM has it (attribute values as serialized). */
    private record Row(String id, String name, String role, String health) {
    }

    @Test
    void thePageShowsOneLeaderThenTheNewLeaderAndTheKilledOneUnreachable(@TempDir Path dir) throws Exception {
        ProcessCluster cluster = closing.add(ProcessCluster.start(dir, "page", "p1", "p2", ODD_NAME));
        MemberProcess viewer = cluster.others(ProcessCluster.awaitLeaderKnownToAll(cluster.members)).get(0);
        Chromium chromium = new Chromium(dir);

        String[] dom = new String[1];
        String[] page = {pageOf(viewer)};
        Poll.until("the page of " + viewer.name + " shows three healthy members, one of them leading", DEADLINE,
                () -> {
                    dom[0] = dumpDom(chromium, page[0]);
                    List<Row> rows = rows(dom[0]);
                    return rows.size() == 3 && rows.stream().allMatch(r -> r.health().equals("healthy"))
                            && leaders(rows).size() == 1;
                }, () -> "\nlast DOM:\n" + dom[0]);
        // The leader the page shows (leadership may have moved since the cluster started; the page must follow).
        String shown = leaders(rows(dom[0])).get(0);
        MemberProcess leader = cluster.members.stream().filter(m -> htmlAttribute(m.name).equals(shown)).findFirst()
                .orElseThrow(() -> new AssertionError("the page names an unknown leader " + shown));
        assertTrue(dom[0].contains("Leader: " + htmlText(leader.name)), "the banner names the leader");
        assertFalse(dom[0].contains("<b>"), "a member name is printed as text, never as markup");
        assertTrue(dom[0].contains(htmlText(ODD_NAME)), "the odd name is shown, escaped");
        chromium.screenshot(page[0], SCREENSHOTS.resolve("1-three-members.png"));

        String endpoints = cluster.members.stream().map(m -> "http://127.0.0.1:" + m.clientPort)
                .collect(Collectors.joining(","));
        Cli table = keelStatus("--endpoints=" + endpoints);
        assertEquals(0, table.exit(), table.err());
        assertEquals(1, table.out().lines().filter(l -> l.matches(".*\\| leader +\\|.*")).count(), table.out());
        assertTrue(table.out().contains(ODD_NAME), table.out());
        Cli json = keelStatus("--endpoints=" + endpoints, "-w", "json");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().contains("\"leaderName\":\"" + jsonText(leader.name) + "\""), json.out());

        Cli whole = keelStatus("--endpoints=127.0.0.1:" + viewer.clientPort, "--cluster", "-w", "json");
        assertEquals(0, whole.exit(), whole.err());
        assertEquals(3, count(whole.out(), "\"reachable\":true"), "--cluster asks every member: " + whole.out());

        if (leader == viewer) page[0] = pageOf(cluster.others(leader).get(0)); // the page must outlive the kill
        leader.kill9();
        long killed = System.nanoTime();
        Poll.until("the page shows a new leader and " + leader.name + " unreachable", DEADLINE, () -> {
            dom[0] = dumpDom(chromium, page[0]);
            List<Row> rows = rows(dom[0]);
            List<String> leaders = leaders(rows);
            Row dead = rows.stream().filter(r -> r.name().equals(htmlAttribute(leader.name))).findFirst().orElse(null);
            return rows.size() == 3 && leaders.size() == 1 && !leaders.get(0).equals(htmlAttribute(leader.name))
                    && dead != null && dead.health().equals("unreachable");
        }, () -> "\nlast DOM:\n" + dom[0]);
        // How long a person waited, for the record (the bound above is generous: a loaded 2-core machine).
        System.out.printf("ClusterPageTest: the page showed the new leader and %s unreachable %.1f s after the kill%n",
                leader.name, (System.nanoTime() - killed) / 1e9);
        assertTrue(dom[0].contains("Could not reach " + htmlText(leader.name)), "says which it could not reach");
        chromium.screenshot(page[0], SCREENSHOTS.resolve("2-after-leader-kill.png"));

        Cli after = keelStatus("--endpoints=" + endpoints, "-w", "json");
        assertEquals(1, after.exit(), "an endpoint did not answer: " + after.out());
        assertTrue(after.out().contains("\"health\":\"unreachable\""), after.out());
    }

    private static int count(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    private static String pageOf(MemberProcess m) {
        return "http://127.0.0.1:" + m.metricsPort + "/cluster";
    }

    private static String dumpDom(Chromium chromium, String url) {
        try {
            return chromium.dumpDom(url);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<Row> rows(String dom) {
        List<Row> rows = new ArrayList<>();
        Matcher row = ROW.matcher(dom);
        while (row.find()) {
            Map<String, String> a = new TreeMap<>();
            Matcher attr = ATTRIBUTE.matcher(row.group(1));
            while (attr.find()) a.put(attr.group(1), attr.group(2));
            rows.add(new Row(a.get("id"), a.get("name"), a.get("role"), a.get("health")));
        }
        return rows;
    }

    private static List<String> leaders(List<Row> rows) {
        return rows.stream().filter(r -> "leader".equals(r.role())).map(Row::name).toList();
    }

    /** As Chromium serializes text: &, < and > escaped. */
    private static String htmlText(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** As Chromium serializes an attribute value: & and " escaped, and (since 2025) < and > too. */
    private static String htmlAttribute(String s) {
        return htmlText(s).replace("\"", "&quot;");
    }

    private static String jsonText(String s) {
        return s.replace("<", "\\u003c").replace(">", "\\u003e");
    }

    private record Cli(int exit, String out, String err) {
    }

    private static Cli keelStatus(String... flags) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = new String[flags.length + 1];
        args[0] = "status";
        System.arraycopy(flags, 0, args, 1, flags.length);
        int exit = KeelMain.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(exit, out.toString(), err.toString());
    }
}
