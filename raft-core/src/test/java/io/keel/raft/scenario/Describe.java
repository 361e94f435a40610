package io.keel.raft.scenario;

import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.HardState;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** Short, stable, human-readable renderings of messages, entries and times for scenario traces. */
final class Describe {
    private Describe() {
    }

    /** MSG_APPEND_RESPONSE -> APPEND_RESPONSE: the name scripts use. */
    static String type(MessageType t) {
        return t.name().startsWith("MSG_") ? t.name().substring(4) : t.name();
    }

    static MessageType parseType(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (!n.startsWith("MSG_")) n = "MSG_" + n;
        return MessageType.valueOf(n);
    }

    static String message(Message m) {
        StringBuilder sb = new StringBuilder();
        sb.append(m.getFrom()).append("->").append(m.getTo()).append(' ').append(type(m.getType()))
                .append(" t").append(m.getTerm());
        switch (m.getType()) {
            case MSG_APPEND -> {
                sb.append(" prev=").append(m.getIndex()).append('/').append(m.getLogTerm());
                sb.append(' ').append(entries(m.getEntriesList()));
                sb.append(" commit=").append(m.getCommit());
                round(sb, m);
            }
            case MSG_APPEND_RESPONSE -> {
                if (m.getReject()) {
                    sb.append(" REJECT prev=").append(m.getIndex()).append(" hint=").append(m.getRejectHint())
                            .append('/').append(m.getRejectHintTerm());
                } else {
                    sb.append(" ack=").append(m.getIndex());
                }
                round(sb, m);
            }
            case MSG_HEARTBEAT -> {
                sb.append(" commit=").append(m.getCommit());
                round(sb, m);
            }
            case MSG_HEARTBEAT_RESPONSE -> round(sb, m);
            case MSG_VOTE, MSG_PRE_VOTE -> {
                sb.append(" last=").append(m.getIndex()).append('/').append(m.getLogTerm());
                if (m.getTransfer()) sb.append(" transfer");
            }
            case MSG_VOTE_RESPONSE, MSG_PRE_VOTE_RESPONSE -> sb.append(m.getReject() ? " REJECT" : " granted");
            case MSG_SNAPSHOT -> sb.append(" snapshot=").append(m.getSnapshot().getIndex()).append('/')
                    .append(m.getSnapshot().getTerm()).append(' ').append(conf(m.getSnapshot().getConfState()));
            case MSG_READ_INDEX -> sb.append(" read=").append(m.getReadId());
            case MSG_TIMEOUT_NOW -> sb.append(" commit=").append(m.getCommit());
            case MSG_PROPOSE -> sb.append(' ').append(entries(m.getEntriesList()));
            case MSG_READ_INDEX_RESPONSE -> {
                sb.append(" read=").append(m.getReadId());
                sb.append(m.getReject() ? " REJECT" : " index=" + m.getIndex());
            }
            default -> { }
        }
        return sb.toString();
    }

    private static void round(StringBuilder sb, Message m) {
        if (m.getRound() != 0) sb.append(" round=").append(m.getRound());
    }

    static String entries(List<Entry> entries) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) sb.append(' ');
            sb.append(entry(entries.get(i)));
        }
        return sb.append(']').toString();
    }

    /** index/term, plus the payload when there is one: "4/2:x=1", "5/2:conf(add-voter 4)", "3/2" (no-op). */
    static String entry(Entry e) {
        String s = e.getIndex() + "/" + e.getTerm();
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
            return s + ":" + confChange(e);
        }
        if (e.getData().isEmpty()) return s;
        return s + ":" + e.getData().toString(StandardCharsets.UTF_8);
    }

    static String confChange(Entry e) {
        try {
            ConfChange cc = ConfChange.parseFrom(e.getData());
            if (cc.getChangesCount() == 0) return "conf(leave-joint)";
            StringBuilder sb = new StringBuilder("conf(");
            for (int i = 0; i < cc.getChangesCount(); i++) {
                ConfChangeSingle c = cc.getChanges(i);
                if (i > 0) sb.append(", ");
                sb.append(switch (c.getType()) {
                    case ADD_VOTER -> "add-voter ";
                    case ADD_LEARNER -> "add-learner ";
                    case REMOVE_MEMBER -> "remove ";
                    default -> c.getType() + " ";
                }).append(c.getMemberId());
            }
            if (cc.getExplicitJoint()) sb.append(", joint");
            return sb.append(')').toString();
        } catch (InvalidProtocolBufferException ex) {
            return "conf(?)";
        }
    }

    static String conf(ConfState c) {
        StringBuilder sb = new StringBuilder("voters=").append(ids(c.getVotersList()));
        if (c.getVotersOutgoingCount() > 0) sb.append("&&").append(ids(c.getVotersOutgoingList()));
        if (c.getLearnersCount() > 0) sb.append(" learners=").append(ids(c.getLearnersList()));
        if (c.getLearnersNextCount() > 0) sb.append(" learners_next=").append(ids(c.getLearnersNextList()));
        return sb.toString();
    }

    static String ids(Iterable<Long> ids) {
        StringBuilder sb = new StringBuilder("(");
        for (long id : ids) {
            if (sb.length() > 1) sb.append(' ');
            sb.append(id);
        }
        return sb.append(')').toString();
    }

    static String hardState(HardState hs) {
        return "term=" + hs.getTerm() + " vote=" + hs.getVote() + " commit=" + hs.getCommit();
    }

    /** Nanoseconds as milliseconds: "1200ms", "1012.5ms". */
    static String time(long nanos) {
        if (nanos == Long.MIN_VALUE) return "none";
        if (nanos % 1_000_000 == 0) return (nanos / 1_000_000) + "ms";
        return String.format(Locale.ROOT, "%.3fms", nanos / 1e6);
    }

    /** Parses "1200ms", "1.5s", "250us", "10ns" into nanoseconds. */
    static long parseTime(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long unit;
        String num;
        if (t.endsWith("ms")) {
            unit = 1_000_000L;
            num = t.substring(0, t.length() - 2);
        } else if (t.endsWith("us")) {
            unit = 1_000L;
            num = t.substring(0, t.length() - 2);
        } else if (t.endsWith("ns")) {
            unit = 1L;
            num = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unit = 1_000_000_000L;
            num = t.substring(0, t.length() - 1);
        } else {
            throw new IllegalArgumentException("a time needs a unit (ns, us, ms, s): " + s);
        }
        return Math.round(Double.parseDouble(num) * unit);
    }
}
