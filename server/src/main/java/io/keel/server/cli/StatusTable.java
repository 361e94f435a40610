package io.keel.server.cli;

import io.keel.server.ops.ClusterView;
import io.keel.server.ops.LeaderHistory;
import io.keel.server.ops.MemberFacts;
import io.keel.server.ops.ClusterWarnings;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code keel status}'s table, in etcdctl's style, and the one-shot view it prints. */
final class StatusTable {
    private static final List<String> HEADER = List.of("ENDPOINT", "NAME", "ID", "ROLE", "HEALTH", "TERM", "LEADER",
            "COMMIT", "APPLIED", "LAG", "LEARNER", "ALARMS", "PEER URLS");

    private StatusTable() {
    }

    /** The view of one round of answers: no history beyond it, so no stuck-index warning. */
    static ClusterView view(List<MemberFacts> members, long clusterId) {
        long now = System.currentTimeMillis();
        LeaderHistory history = new LeaderHistory();
        for (MemberFacts m : members) if (m.reached()) history.record(now, m.id(), m.term(), m.leaderId());
        ClusterView draft = new ClusterView(now, 0, clusterId, members, Map.of(), List.of(), List.of());
        List<String> warnings = ClusterWarnings.of(members, history.disagreements(now), Map.of(),
                draft::nameOf);
        return new ClusterView(now, 0, clusterId, members, Map.of(), warnings, List.of());
    }

    static void print(ClusterView v, PrintWriter out) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (MemberFacts m : v.members()) {
            boolean r = m.reached();
            long lag = v.lag(m);
            rows.add(List.of(String.join(",", m.clientUrls()), m.displayName(),
                    m.id() == 0 ? "" : Long.toHexString(m.id()), m.role(), m.health(),
                    r ? Long.toString(m.term()) : "", r ? v.nameOf(m.leaderId()) : "",
                    r ? Long.toString(m.commitIndex()) : "", r ? Long.toString(m.appliedIndex()) : "",
                    lag >= 0 ? Long.toString(lag) : "", Boolean.toString(m.learner()),
                    m.alarms().isEmpty() ? "" : String.join("; ", m.alarms()), String.join(",", m.peerUrls())));
        }
        int[] width = new int[HEADER.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) width[i] = Math.max(width[i], safe(row.get(i)).length());
        }
        String rule = rule(width);
        out.println(rule);
        for (int i = 0; i < rows.size(); i++) {
            StringBuilder b = new StringBuilder("|");
            for (int c = 0; c < width.length; c++) {
                String cell = safe(rows.get(i).get(c));
                b.append(' ').append(cell).append(" ".repeat(width[c] - cell.length())).append(" |");
            }
            out.println(b);
            if (i == 0) out.println(rule);
        }
        out.println(rule);
        for (MemberFacts m : v.unreachable()) out.println("could not reach " + safe(m.displayName()) + ": "
                + safe(m.error()));
        for (String w : v.warnings()) out.println("WARNING: " + safe(w));
    }

    private static String rule(int[] width) {
        StringBuilder b = new StringBuilder("+");
        for (int w : width) b.append("-".repeat(w + 2)).append('+');
        return b.toString();
    }

    /** Names and URLs come from the members: no control character reaches the terminal (no escape sequences). */
    static String safe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }
}
