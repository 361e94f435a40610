package io.keel.server.ops;

/**
 * A {@link ClusterView} as JSON: what the cluster page draws and {@code keel status -w json} prints. Ids are hex
 * strings (a 64-bit id does not fit a JavaScript number); indexes and terms are numbers; times are epoch ms.
 */
public final class ClusterJson {
    private ClusterJson() {
    }

    public static String of(ClusterView v) {
        JsonWriter w = new JsonWriter().beginObject();
        w.field("at", v.at());
        if (v.servedBy() != 0) {
            w.field("servedBy", Long.toHexString(v.servedBy())).field("servedByName", v.nameOf(v.servedBy()));
        }
        if (v.clusterId() != 0) w.field("clusterId", Long.toHexString(v.clusterId()));
        var leader = v.leader();
        w.field("leader", leader.map(l -> Long.toHexString(l.id())).orElse(""));
        w.field("leaderName", leader.map(MemberFacts::displayName).orElse(""));
        w.field("leaderTerm", leader.map(MemberFacts::term).orElse(0L));
        w.name("members").beginArray();
        for (MemberFacts m : v.members()) member(w, v, m);
        w.endArray();
        w.name("unreachable").beginArray();
        for (MemberFacts m : v.unreachable()) {
            w.beginObject().field("id", Long.toHexString(m.id())).field("name", m.displayName())
                    .field("error", m.error()).endObject();
        }
        w.endArray();
        w.field("warnings", v.warnings());
        w.name("history").beginArray();
        for (LeaderHistory.Entry e : v.history()) {
            w.beginObject().field("at", e.at()).field("seenBy", v.nameOf(e.observer()))
                    .field("term", e.term()).field("leader", v.nameOf(e.leader())).endObject();
        }
        w.endArray();
        return w.endObject().toString();
    }

    private static void member(JsonWriter w, ClusterView v, MemberFacts m) {
        w.beginObject()
                .field("id", Long.toHexString(m.id()))
                .field("name", m.displayName())
                .field("self", m.id() == v.servedBy())
                .field("role", m.role())
                .field("health", m.health())
                .field("reachable", m.reached());
        if (m.reached()) {
            w.field("term", m.term())
                    .field("leader", m.leaderId() == 0 ? "" : Long.toHexString(m.leaderId()))
                    .field("leaderName", m.leaderId() == 0 ? "" : v.nameOf(m.leaderId()))
                    .field("commitIndex", m.commitIndex())
                    .field("appliedIndex", m.appliedIndex())
                    .field("lag", v.lag(m));
        } else {
            w.field("error", m.error());
        }
        w.field("lastContactMs", m.answeredAt() == 0 ? -1 : Math.max(0, v.at() - m.answeredAt()))
                .field("learner", m.learner())
                .field("alarms", m.alarms())
                .field("clientUrls", m.clientUrls())
                .field("peerUrls", m.peerUrls());
        String link = v.peerLinks().get(m.id());
        if (link != null) w.field("peerLink", link);
        w.endObject();
    }
}
