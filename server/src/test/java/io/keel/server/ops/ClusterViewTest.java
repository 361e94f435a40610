package io.keel.server.ops;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster page's reasoning without a cluster: history, disagreements, stuck members, lag, and its JSON. */
class ClusterViewTest {
    private static final long T0 = 1_000_000;

    private static MemberFacts facts(long id, String name, long term, long leader, long commit, long applied) {
        String role = leader == 0 ? "no leader" : leader == id ? "leader" : "follower";
        return new MemberFacts(id, name, role, term, leader, commit, applied, false, List.of("http://c" + id),
                List.of("http://p" + id), List.of(), null, T0);
    }

    @Test
    void twoMembersNamingDifferentLeadersForOneTermIsADisagreementAnUnknownLeaderIsNot() {
        LeaderHistory h = new LeaderHistory();
        h.record(T0, 1, 5, 1);
        h.record(T0, 2, 5, 0);
        h.record(T0 + 1, 2, 5, 1);
        h.record(T0 + 2, 2, 5, 1); // unchanged: not a new entry
        assertEquals(3, h.entries(T0 + 3).size());
        assertEquals(List.of(), h.disagreements(T0 + 3));

        h.record(T0 + 4, 3, 5, 3);
        List<LeaderHistory.Disagreement> d = h.disagreements(T0 + 5);
        assertEquals(1, d.size());
        assertEquals(5, d.get(0).term());
        assertEquals(Map.of(1L, List.of(1L, 2L), 3L, List.of(3L)), d.get(0).saidBy());
    }

    @Test
    void historyKeepsTenMinutesButAMembersLatestReportStillCounts() {
        LeaderHistory h = new LeaderHistory();
        h.record(T0, 1, 7, 1);
        long later = T0 + LeaderHistory.WINDOW_MILLIS + 1;
        h.record(later, 2, 7, 2);
        assertEquals(1, h.entries(later).size(), "the old entry left the window");
        assertEquals(1, h.disagreements(later).size(), "member 1's latest report still names leader 1 for term 7");
    }

    @Test
    void anAppliedIndexIsStuckOnlyWhenBehindAndStillForTheWholeThreshold() {
        AppliedProgress p = new AppliedProgress();
        long stuck = AppliedProgress.STUCK_AFTER_MILLIS;
        assertEquals(0, p.stuckFor(1, 10, 10, T0));
        assertEquals(0, p.stuckFor(1, 10, 10, T0 + 10 * stuck), "a quiet cluster: still, but not behind");
        // The clock runs from the last time it was seen caught up (or moving), not from hours of quiet.
        assertEquals(0, p.stuckFor(1, 10, 12, T0 + 10 * stuck + 1), "just fell behind");
        assertEquals(0, p.stuckFor(1, 10, 12, T0 + 11 * stuck - 1), "not yet the whole threshold");
        assertEquals(stuck + 2, p.stuckFor(1, 10, 12, T0 + 11 * stuck + 2));
        assertEquals(0, p.stuckFor(1, 11, 12, T0 + 12 * stuck), "it moved");
    }

    @Test
    void theLeaderIsTheOneTheObserverFollowsAndLagIsMeasuredFromItsCommitIndex() {
        MemberFacts a = facts(1, "a", 4, 2, 90, 88);
        MemberFacts b = facts(2, "b", 4, 2, 100, 100);
        MemberFacts c = facts(3, "c", 3, 3, 95, 95); // an old leader that has not heard of term 4
        ClusterView v = new ClusterView(T0, 1, 9, List.of(a, b, c), Map.of(), List.of(), List.of());
        assertEquals(2, v.leader().orElseThrow().id());
        assertEquals(12, v.lag(a));
        assertEquals(5, v.lag(c));
        assertEquals("b", v.nameOf(2));
        assertEquals("none", v.nameOf(0));

        MemberFacts gone = MemberFacts.unreachable(new io.keel.server.membership.MemberInfo(4, "d", List.of(),
                List.of("http://c4"), false), "refused", 0);
        ClusterView w = new ClusterView(T0, 0, 9, List.of(c, gone), Map.of(), List.of(), List.of());
        assertEquals(3, w.leader().orElseThrow().id(), "without an observer: the self-declared leader");
        assertEquals(-1, w.lag(gone));
        assertEquals(List.of(gone), w.unreachable());
        assertEquals("unreachable", gone.health());
    }

    @Test
    void warningsNameTheDisagreementTwoSelfDeclaredLeadersAStuckMemberAndNoLeader() {
        MemberFacts a = facts(1, "a", 4, 1, 10, 10);
        MemberFacts b = facts(2, "b", 5, 2, 12, 12);
        ClusterView v = new ClusterView(T0, 1, 9, List.of(a, b), Map.of(), List.of(), List.of());
        List<String> w = ClusterWarnings.of(List.of(a, b),
                List.of(new LeaderHistory.Disagreement(5, Map.of(1L, List.of(1L), 2L, List.of(2L)))),
                Map.of(1L, 12_000L), v::nameOf);
        assertEquals(3, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("LEADER DISAGREEMENT in term 5: a says a; b says b"), w.get(0));
        assertTrue(w.get(1).startsWith("MORE THAN ONE MEMBER SAYS IT LEADS: a (term 4), b (term 5)"), w.get(1));
        assertTrue(w.get(2).startsWith("APPLIED INDEX STUCK: a's applied index has not moved for 12 s"), w.get(2));

        MemberFacts lost = facts(1, "a", 6, 0, 10, 10);
        assertEquals(List.of("NO LEADER: no member that answered knows a leader; the cluster takes no writes"),
                ClusterWarnings.of(List.of(lost), List.of(), Map.of(), v::nameOf));
    }

    @Test
    void namesAndUrlsAreEscapedInTheJson() {
        MemberFacts odd = new MemberFacts(1, "</script><b>\"x\"\\", "leader", 2, 1, 5, 5, false,
                List.of("http://h:1/?a=1&b=<2>"), List.of(), List.of(), null, T0);
        String json = ClusterJson.of(new ClusterView(T0, 1, 9, List.of(odd), Map.of(), List.of("line\nbreak"),
                List.of(new LeaderHistory.Entry(T0, 1, 2, 1))));
        assertTrue(json.contains("\"name\":\"\\u003c/script\\u003e\\u003cb\\u003e\\\"x\\\"\\\\\""), json);
        assertTrue(json.contains("\"clientUrls\":[\"http://h:1/?a=1\\u0026b=\\u003c2\\u003e\"]"), json);
        assertTrue(json.contains("\"warnings\":[\"line\\nbreak\"]"), json);
        assertTrue(!json.contains("<") && !json.contains(">"), json);
        assertTrue(json.contains("\"leader\":\"1\",\"leaderName\":\"\\u003c/script"), json);
    }
}
