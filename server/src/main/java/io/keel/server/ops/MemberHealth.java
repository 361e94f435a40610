package io.keel.server.ops;

import io.keel.server.Keel;

/**
 * Whether a member is healthy (running and knows a leader: it can take part in writes) and ready (also has applied
 * everything it has learned is committed: its serializable reads are as fresh as its knowledge).
 *
 * @param ok     the check passed
 * @param reason why not, empty when ok
 */
record MemberHealth(boolean ok, String reason) {
    /**
     * @param clientPortServing whether the client port accepts requests: the launcher opens it only once a leader is
     *                          known, a moment after; a probe that said healthy before would send clients to a port
     *                          that refuses connections (found by LocalClusterTest, whose launcher waits on /health)
     */
    static MemberHealth health(Keel keel, Throwable failure, boolean clientPortServing) {
        if (failure != null) return new MemberHealth(false, "member stopped after a failure: " + failure);
        if (keel.leaderId() == 0) return new MemberHealth(false, "no leader known");
        if (!clientPortServing) return new MemberHealth(false, "client port not serving (yet, or any more)");
        return new MemberHealth(true, "");
    }

    static MemberHealth ready(Keel keel, Throwable failure, boolean clientPortServing) {
        MemberHealth h = health(keel, failure, clientPortServing);
        if (!h.ok()) return h;
        long committed = keel.commitIndex();
        long applied = keel.appliedIndex();
        if (applied < committed) {
            return new MemberHealth(false, "applied index " + applied + " is behind commit index " + committed);
        }
        return h;
    }

    /** etcd's /health body shape: {"health":"true","reason":""}. */
    String json(String field) {
        return "{\"" + field + "\":\"" + ok + "\",\"reason\":\"" + escape(reason) + "\"}";
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
