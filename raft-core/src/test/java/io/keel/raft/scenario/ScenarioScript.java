package io.keel.raft.scenario;

import io.keel.raft.ProposeResult;
import io.keel.raft.RaftNode;
import io.keel.raft.ReadMode;
import io.keel.raft.ReadState;
import io.keel.raft.Role;
import io.keel.raft.membership.Configuration;
import io.keel.raft.progress.Progress;
import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.MessageType;
import io.keel.raft.quorum.MajorityQuorum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Runs a scenario script against a {@link ScenarioCluster}. One command per line; {@code #} starts a comment.
 * See {@code src/test/resources/scenarios/README.md} for the language (commands, expectations, timing rules). A failing expectation (or any error)
 * stops the script with a {@link ScenarioFailure} naming the file, the line and the trace so far.
 */
public final class ScenarioScript {
    private final String name;
    private ScenarioCluster cluster;
    private long step = 10 * ScenarioCluster.MS;

    private ScenarioScript(String name) {
        this.name = name;
    }

    /** Runs the script; throws {@link ScenarioFailure} at the first failing line. Returns the cluster at the end. */
    public static ScenarioCluster run(String name, List<String> lines) {
        ScenarioScript s = new ScenarioScript(name);
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
            if (line.isEmpty()) continue;
            if (s.cluster != null) s.cluster.log("> " + (i + 1) + ": " + line);
            try {
                s.execute(line);
            } catch (ScenarioFailure f) {
                throw f;
            } catch (Throwable t) {
                if (s.cluster != null) s.cluster.log("> failed at line " + (i + 1));
                throw new ScenarioFailure(name, i + 1, line, t, s.cluster);
            }
        }
        return s.cluster;
    }

    // ------------------------------------------------------------------ commands

    private void execute(String line) {
        String[] t = line.split("\\s+");
        String cmd = t[0].toLowerCase(Locale.ROOT);
        if (cluster == null && !cmd.equals("cluster")) {
            throw new IllegalArgumentException("a script starts with 'cluster <ids> [options]'");
        }
        switch (cmd) {
            case "cluster" -> cluster(t);
            case "start" -> cluster.start(id(t, 1), t.length > 2 ? time(t[2]) : maxClock());
            case "tick" -> {
                need(t, 3, "tick <who> <duration> [step=<duration>]");
                cluster.tick(who(t[1]), time(t[2]), t.length > 3 ? time(option(t[3], "step")) : step);
            }
            case "campaign" -> cluster.campaign(id(t, 1), t.length > 2 ? time(option(t[2], "step")) : step);
            case "elect" -> elect(id(t, 1));
            case "run" -> cluster.run(time(t[1]), t.length > 2 ? time(option(t[2], "step")) : step);
            case "stabilize" -> cluster.stabilize();
            case "deliver" -> deliverOrDrop(t, true);
            case "drop" -> deliverOrDrop(t, false);
            case "hold" -> {
                need(t, 2, "hold <from>-><to> [TYPE]");
                Predicate<ScenarioCluster.Envelope> f = linkFilter(t[1]);
                if (t.length > 2) f = f.and(typeFilter(t[2]));
                if (cluster.hold(f) == 0) throw new AssertionError("nothing to hold for '" + line + "'; on the wire:\n" + wire());
            }
            case "release" -> {
                Predicate<ScenarioCluster.Envelope> f = t.length > 1 ? linkFilter(t[1]) : e -> true;
                if (t.length > 2) f = f.and(typeFilter(t[2]));
                if (cluster.release(f) == 0) throw new AssertionError("nothing held for '" + line + "'");
            }
            case "partition" -> partition(line.substring(t[0].length()));
            case "isolate" -> {
                long id = id(t, 1);
                Set<Long> rest = new TreeSet<>(cluster.ids());
                rest.remove(id);
                cluster.partition(List.of(Set.of(id), rest));
            }
            case "cut" -> cut(t);
            case "heal" -> cluster.heal();
            case "propose" -> {
                need(t, 3, "propose <id> <key=value>...");
                cluster.propose(id(t, 1), Arrays.asList(t).subList(2, t.length));
            }
            case "forward" -> {
                need(t, 3, "forward <id> <key=value>...");
                cluster.proposeOrForward(id(t, 1), Arrays.asList(t).subList(2, t.length));
            }
            case "conf" -> conf(t);
            case "read" -> read(t);
            case "transfer" -> {
                need(t, 3, "transfer <leader> <target>");
                cluster.transfer(id(t, 1), id(t, 2));
            }
            case "persist" -> persist(t);
            case "crash" -> cluster.crash(id(t, 1));
            case "wipe" -> cluster.wipe(id(t, 1));
            case "compact" -> cluster.compact(id(t, 1));
            case "inject" -> inject(t);
            case "reset-counters" -> cluster.resetCounters();
            case "status" -> cluster.log("status:\n" + cluster.status());
            case "expect" -> expect(t, line);
            default -> throw new IllegalArgumentException("unknown command '" + t[0] + "'");
        }
    }

    private void cluster(String[] t) {
        if (cluster != null) throw new IllegalArgumentException("only one 'cluster' line per script");
        ScenarioCluster.Options o = ScenarioCluster.Options.defaults();
        List<Long> ids = new ArrayList<>();
        for (int i = 1; i < t.length; i++) {
            int eq = t[i].indexOf('=');
            if (eq < 0) {
                ids.add(Long.parseLong(t[i]));
                continue;
            }
            String k = t[i].substring(0, eq).toLowerCase(Locale.ROOT);
            String v = t[i].substring(eq + 1);
            o = switch (k) {
                case "election" -> new ScenarioCluster.Options(time(v), o.heartbeatInterval(), o.readMode(), o.maxInflight(),
                        o.maxInflightBytes(), o.maxMessageBytes(), o.maxUncommittedBytes(), o.maxClockDrift(), o.seedOffset());
                case "heartbeat" -> new ScenarioCluster.Options(o.electionTimeout(), time(v), o.readMode(), o.maxInflight(),
                        o.maxInflightBytes(), o.maxMessageBytes(), o.maxUncommittedBytes(), o.maxClockDrift(), o.seedOffset());
                case "readmode" -> new ScenarioCluster.Options(o.electionTimeout(), o.heartbeatInterval(),
                        ReadMode.valueOf(v.toUpperCase(Locale.ROOT)), o.maxInflight(), o.maxInflightBytes(),
                        o.maxMessageBytes(), o.maxUncommittedBytes(), o.maxClockDrift(), o.seedOffset());
                case "inflight" -> new ScenarioCluster.Options(o.electionTimeout(), o.heartbeatInterval(), o.readMode(),
                        Integer.parseInt(v), o.maxInflightBytes(), o.maxMessageBytes(), o.maxUncommittedBytes(),
                        o.maxClockDrift(), o.seedOffset());
                case "inflight-bytes" -> new ScenarioCluster.Options(o.electionTimeout(), o.heartbeatInterval(), o.readMode(),
                        o.maxInflight(), Long.parseLong(v), o.maxMessageBytes(), o.maxUncommittedBytes(),
                        o.maxClockDrift(), o.seedOffset());
                case "msg-bytes" -> new ScenarioCluster.Options(o.electionTimeout(), o.heartbeatInterval(), o.readMode(),
                        o.maxInflight(), o.maxInflightBytes(), Long.parseLong(v), o.maxUncommittedBytes(),
                        o.maxClockDrift(), o.seedOffset());
                case "uncommitted" -> new ScenarioCluster.Options(o.electionTimeout(), o.heartbeatInterval(), o.readMode(),
                        o.maxInflight(), o.maxInflightBytes(), o.maxMessageBytes(), Long.parseLong(v),
                        o.maxClockDrift(), o.seedOffset());
                case "drift" -> new ScenarioCluster.Options(o.electionTimeout(), o.heartbeatInterval(), o.readMode(),
                        o.maxInflight(), o.maxInflightBytes(), o.maxMessageBytes(), o.maxUncommittedBytes(),
                        Double.parseDouble(v), o.seedOffset());
                case "seed" -> new ScenarioCluster.Options(o.electionTimeout(), o.heartbeatInterval(), o.readMode(),
                        o.maxInflight(), o.maxInflightBytes(), o.maxMessageBytes(), o.maxUncommittedBytes(),
                        o.maxClockDrift(), Long.parseLong(v));
                case "step" -> {
                    step = time(v);
                    yield o;
                }
                default -> throw new IllegalArgumentException("unknown cluster option '" + k + "'");
            };
        }
        if (ids.isEmpty()) throw new IllegalArgumentException("cluster needs at least one member id");
        cluster = new ScenarioCluster(o, ids.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * elect N: every member's clock moves one election timeout (no delivery), so the startup guard against votes
     * has expired everywhere; then N campaigns and the network runs until quiet. N must end up leader.
     */
    private void elect(long id) {
        cluster.tick(cluster.ids(), cluster.options().electionTimeout(), step);
        cluster.campaign(id, step);
        cluster.stabilize();
        RaftNode n = cluster.node(id);
        if (n.role() != Role.LEADER) {
            throw new AssertionError("elect " + id + ": member " + id + " is " + n.role() + " in term " + n.term());
        }
    }

    private void deliverOrDrop(String[] t, boolean deliver) {
        need(t, 2, (deliver ? "deliver" : "drop") + " all | <from>-><to> [TYPE] [count]");
        Predicate<ScenarioCluster.Envelope> filter;
        int i = 2;
        if (t[1].equalsIgnoreCase("all")) {
            filter = e -> true;
        } else {
            filter = linkFilter(t[1]);
        }
        int limit = Integer.MAX_VALUE;
        for (; i < t.length; i++) {
            if (t[i].matches("\\d+")) {
                limit = Integer.parseInt(t[i]);
            } else {
                Predicate<ScenarioCluster.Envelope> typeFilter = typeFilter(t[i]);
                filter = filter.and(typeFilter);
            }
        }
        int n = deliver ? cluster.deliver(filter, limit) : cluster.drop(filter, limit);
        if (n == 0) {
            throw new AssertionError("nothing " + (deliver ? "delivered" : "dropped") + " for '" + String.join(" ", t)
                    + "' (a message on a cut link is lost, not delivered); on the wire now:\n" + wire());
        }
    }

    private Predicate<ScenarioCluster.Envelope> linkFilter(String spec) {
        String[] p = spec.split("->");
        if (p.length != 2) throw new IllegalArgumentException("expected <from>-><to> (either may be *): " + spec);
        Predicate<ScenarioCluster.Envelope> f = e -> true;
        if (!p[0].equals("*")) {
            long from = Long.parseLong(p[0]);
            f = f.and(e -> e.from() == from);
        }
        if (!p[1].equals("*")) {
            long to = Long.parseLong(p[1]);
            f = f.and(e -> e.to() == to);
        }
        return f;
    }

    /** TYPE, TYPE/reject or TYPE(n) (an append with n entries). */
    private static Predicate<ScenarioCluster.Envelope> typeFilter(String spec) {
        String s = spec;
        boolean rejectOnly = s.toLowerCase(Locale.ROOT).endsWith("/reject");
        if (rejectOnly) s = s.substring(0, s.length() - "/reject".length());
        int entries = -1;
        int paren = s.indexOf('(');
        if (paren >= 0) {
            entries = Integer.parseInt(s.substring(paren + 1, s.indexOf(')')));
            s = s.substring(0, paren);
        }
        MessageType type = Describe.parseType(s);
        int n = entries;
        return e -> e.message().getType() == type && (!rejectOnly || e.message().getReject())
                && (n < 0 || e.message().getEntriesCount() == n);
    }

    private void partition(String spec) {
        List<Set<Long>> groups = new ArrayList<>();
        for (String g : spec.split("\\|")) {
            Set<Long> ids = new TreeSet<>();
            for (String s : g.trim().split("[\\s,]+")) if (!s.isEmpty()) ids.add(Long.parseLong(s));
            if (ids.isEmpty()) throw new IllegalArgumentException("empty group in partition");
            groups.add(ids);
        }
        if (groups.size() < 2) throw new IllegalArgumentException("partition needs groups separated by |");
        cluster.partition(groups);
    }

    /** cut A B (both ways) or cut A->B (one way). */
    private void cut(String[] t) {
        if (t.length == 2 && t[1].contains("->")) {
            String[] p = t[1].split("->");
            cluster.cut(Long.parseLong(p[0]), Long.parseLong(p[1]));
        } else {
            need(t, 3, "cut <a> <b> | cut <a>-><b>");
            long a = id(t, 1);
            long b = id(t, 2);
            cluster.cut(a, b);
            cluster.cut(b, a);
        }
    }

    /** conf <leader> add-voter 4 | add-learner 4 | remove 4 ... [joint] | leave-joint */
    private void conf(String[] t) {
        need(t, 3, "conf <leader> (add-voter|add-learner|remove) <id> ... [joint] | conf <leader> leave-joint");
        ConfChange.Builder cc = ConfChange.newBuilder();
        for (int i = 2; i < t.length; i++) {
            switch (t[i].toLowerCase(Locale.ROOT)) {
                case "leave-joint" -> { }
                case "joint" -> cc.setExplicitJoint(true);
                case "add-voter", "add-learner", "remove" -> {
                    ConfChangeType type = switch (t[i].toLowerCase(Locale.ROOT)) {
                        case "add-voter" -> ConfChangeType.ADD_VOTER;
                        case "add-learner" -> ConfChangeType.ADD_LEARNER;
                        default -> ConfChangeType.REMOVE_MEMBER;
                    };
                    cc.addChanges(ConfChangeSingle.newBuilder().setType(type).setMemberId(Long.parseLong(t[++i])));
                }
                default -> throw new IllegalArgumentException("unknown membership change '" + t[i] + "'");
            }
        }
        cluster.proposeConfChange(id(t, 1), cc.build());
    }

    /** read <id> id=7 [id=8 ...]: all reads are handed to the node before its Ready is processed. */
    private void read(String[] t) {
        need(t, 3, "read <member> id=<n> ...");
        List<Long> ids = new ArrayList<>();
        for (int i = 2; i < t.length; i++) ids.add(Long.parseLong(option(t[i], "id")));
        cluster.read(id(t, 1), ids);
    }

    /** persist N manual | persist N auto | persist N [count] */
    private void persist(String[] t) {
        long id = id(t, 1);
        if (t.length > 2 && t[2].equalsIgnoreCase("manual")) {
            cluster.setManualPersist(id, true);
        } else if (t.length > 2 && t[2].equalsIgnoreCase("auto")) {
            cluster.setManualPersist(id, false);
        } else {
            int count = t.length > 2 ? Integer.parseInt(t[2]) : Integer.MAX_VALUE;
            if (cluster.persist(id, count) == 0) throw new AssertionError("member " + id + " has nothing to persist");
        }
    }

    /** inject A->B TYPE [term=..] [index=..] [logterm=..] [commit=..] [round=..] [read=..] [reject] [transfer] */
    private void inject(String[] t) {
        need(t, 3, "inject <from>-><to> TYPE [key=value...] [reject] [transfer]");
        String[] p = t[1].split("->");
        Message.Builder m = Message.newBuilder().setFrom(Long.parseLong(p[0])).setTo(Long.parseLong(p[1]))
                .setType(Describe.parseType(t[2]));
        for (int i = 3; i < t.length; i++) {
            String tok = t[i].toLowerCase(Locale.ROOT);
            if (tok.equals("reject")) {
                m.setReject(true);
                continue;
            }
            if (tok.equals("transfer")) {
                m.setTransfer(true);
                continue;
            }
            int eq = tok.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("expected key=value: " + t[i]);
            long v = Long.parseLong(tok.substring(eq + 1));
            switch (tok.substring(0, eq)) {
                case "term" -> m.setTerm(v);
                case "index" -> m.setIndex(v);
                case "logterm" -> m.setLogTerm(v);
                case "commit" -> m.setCommit(v);
                case "round" -> m.setRound(v);
                case "read" -> m.setReadId(v);
                default -> throw new IllegalArgumentException("unknown message field " + tok.substring(0, eq));
            }
        }
        cluster.inject(m.build());
    }

    // ------------------------------------------------------------------ expectations

    private void expect(String[] t, String line) {
        need(t, 2, "expect <what> ...");
        switch (t[1].toLowerCase(Locale.ROOT)) {
            case "leader" -> {
                // expect leader N term T
                need(t, 5, "expect leader <id> term <t>");
                long id = id(t, 2);
                long term = Long.parseLong(t[4]);
                RaftNode n = cluster.node(id);
                check(n.role() == Role.LEADER && n.term() == term,
                        "member " + id + " to be LEADER in term " + term, describe(id));
            }
            case "role" -> {
                need(t, 4, "expect role <id> <ROLE> [term <t>]");
                long id = id(t, 2);
                Role role = Role.valueOf(t[3].toUpperCase(Locale.ROOT));
                RaftNode n = cluster.node(id);
                boolean ok = n.role() == role;
                if (t.length > 5) ok &= n.term() == Long.parseLong(t[5]);
                check(ok, "member " + id + " to be " + role + (t.length > 5 ? " in term " + t[5] : ""), describe(id));
            }
            case "term" -> {
                need(t, 4, "expect term <who> <t>");
                long term = Long.parseLong(t[3]);
                for (long id : who(t[2])) {
                    check(cluster.node(id).term() == term, "member " + id + " in term " + term, describe(id));
                }
            }
            case "committed", "applied" -> {
                // expect committed <who> index <i>
                need(t, 5, "expect " + t[1] + " <who> index <i>");
                long index = Long.parseLong(t[4]);
                boolean committed = t[1].equalsIgnoreCase("committed");
                for (long id : who(t[2])) {
                    long actual = committed ? cluster.node(id).log().committed() : cluster.member(id).appliedIndex();
                    check(actual == index, "member " + id + " to have " + t[1] + " index " + index,
                            t[1] + " index is " + actual + "; " + describe(id));
                }
            }
            case "node" -> expectNode(t);
            case "log" -> {
                // expect log <who> <term of first index> <term> ...  (terms of the entries firstIndex..lastIndex)
                need(t, 3, "expect log <who> <term>...");
                List<Long> want = new ArrayList<>();
                for (int i = 3; i < t.length; i++) want.add(Long.parseLong(t[i]));
                for (long id : who(t[2])) {
                    List<Long> actual = ScenarioCluster.terms(cluster.node(id).log());
                    check(actual.equals(want), "member " + id + " to hold entries of terms " + want,
                            "its log is " + ScenarioCluster.logString(cluster.node(id).log()));
                }
            }
            case "kv" -> {
                // expect kv <who> key=value ... (value <none> = absent)
                need(t, 4, "expect kv <who> key=value...");
                for (long id : who(t[2])) {
                    Map<String, String> kv = cluster.member(id).kv();
                    for (int i = 3; i < t.length; i++) {
                        int eq = t[i].indexOf('=');
                        String k = t[i].substring(0, eq);
                        String v = t[i].substring(eq + 1);
                        String actual = kv.get(k);
                        boolean ok = v.equals("<none>") ? actual == null : v.equals(actual);
                        check(ok, "member " + id + " state machine to have " + t[i], "it holds " + kv);
                    }
                }
            }
            case "read" -> expectRead(t);
            case "refused", "accepted", "forwarded" -> expectResult(t);
            case "queue" -> expectQueue(t);
            case "delivered" -> {
                // expect delivered A->B TYPE[/reject] <count>
                need(t, 5, "expect delivered <from>-><to> TYPE[/reject] <count>");
                String[] p = t[2].split("->");
                String type = t[3].toUpperCase(Locale.ROOT).replace("/REJECT", "/reject");
                if (type.startsWith("MSG_")) type = type.substring(4);
                int actual = cluster.deliveredCount(Long.parseLong(p[0]), Long.parseLong(p[1]), type);
                check(actual == Integer.parseInt(t[4]), t[4] + " " + t[3] + " delivered " + t[2],
                        actual + " were delivered");
            }
            case "lease" -> {
                // expect lease N none | set | until <time>
                need(t, 4, "expect lease <id> none|set|until <time>");
                long id = id(t, 2);
                long at = cluster.node(id).leaseExpiresAt();
                String actual = at == Long.MIN_VALUE ? "none" : "until " + Describe.time(at);
                switch (t[3].toLowerCase(Locale.ROOT)) {
                    case "none" -> check(at == Long.MIN_VALUE, "member " + id + " to hold no lease", "lease " + actual);
                    case "set" -> check(at != Long.MIN_VALUE, "member " + id + " to hold a lease", "lease " + actual);
                    case "until" -> {
                        need(t, 5, "expect lease <id> until <time>");
                        check(at == time(t[4]), "member " + id + " to hold a lease until " + t[4], "lease " + actual);
                    }
                    default -> throw new IllegalArgumentException("expect lease <id> none|set|until <time>");
                }
            }
            case "progress" -> expectProgress(t);
            case "config" -> expectConfig(t);
            case "unpersisted" -> {
                need(t, 4, "expect unpersisted <id> <count>");
                long id = id(t, 2);
                int actual = cluster.member(id).unpersistedCount();
                check(actual == Integer.parseInt(t[3]), "member " + id + " to have " + t[3] + " unpersisted Readys",
                        "it has " + actual);
            }
            case "one-leader" -> {
                // expect one-leader: exactly one member is leader, in the highest term any member has seen
                long max = cluster.members().stream().mapToLong(m -> m.node().term()).max().orElse(0);
                List<Long> leaders = cluster.members().stream().filter(m -> m.node().role() == Role.LEADER
                        && m.node().term() == max).map(ScenarioCluster.Member::id).toList();
                check(leaders.size() == 1, "exactly one leader in term " + max, "leaders: " + leaders);
            }
            default -> throw new IllegalArgumentException("unknown expectation '" + t[1] + "' in: " + line);
        }
    }

    /** expect node N role=.. term=.. vote=.. leader=.. commit=.. applied=.. first=.. last=.. transferee=.. */
    private void expectNode(String[] t) {
        need(t, 4, "expect node <id> key=value...");
        long id = id(t, 2);
        ScenarioCluster.Member m = cluster.member(id);
        RaftNode n = m.node();
        for (int i = 3; i < t.length; i++) {
            int eq = t[i].indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("expected key=value: " + t[i]);
            String k = t[i].substring(0, eq).toLowerCase(Locale.ROOT);
            String v = t[i].substring(eq + 1);
            String actual = switch (k) {
                case "role" -> n.role().name();
                case "term" -> String.valueOf(n.term());
                case "vote" -> String.valueOf(n.hardState().getVote());
                case "leader" -> String.valueOf(n.leaderId());
                case "commit" -> String.valueOf(n.log().committed());
                case "applied" -> String.valueOf(m.appliedIndex());
                case "first" -> String.valueOf(n.log().firstIndex());
                case "last" -> String.valueOf(n.log().lastIndex());
                case "transferee" -> String.valueOf(n.transferee());
                case "stored-term" -> String.valueOf(m.storage().hardState().getTerm());
                case "stored-vote" -> String.valueOf(m.storage().hardState().getVote());
                case "stored-commit" -> String.valueOf(m.storage().hardState().getCommit());
                case "stored-last" -> String.valueOf(m.storage().lastIndex());
                default -> throw new IllegalArgumentException("unknown node field '" + k + "'");
            };
            check(actual.equalsIgnoreCase(v), "member " + id + " " + k + "=" + v, k + "=" + actual + "; " + describe(id));
        }
    }

    /** expect read ID index I [lease] | pending | rejected */
    private void expectRead(String[] t) {
        need(t, 4, "expect read <id> index <i> [lease] | pending | rejected");
        long readId = Long.parseLong(t[2]);
        ScenarioCluster.ReadAnswer a = cluster.readAnswer(readId);
        String actual = a == null ? "pending" : a.state().rejected() ? "rejected at " + a.member()
                : "index " + a.state().index() + " at member " + a.member()
                + (a.state().isLeaseRead() ? " by lease until " + Describe.time(a.state().leaseExpiresAt()) : "");
        switch (t[3].toLowerCase(Locale.ROOT)) {
            case "pending" -> check(a == null, "read " + readId + " not answered yet", "it is " + actual);
            case "rejected" -> check(a != null && a.state().rejected(), "read " + readId + " rejected", "it is " + actual);
            case "index" -> {
                need(t, 5, "expect read <id> index <i> [lease]");
                ReadState rs = a == null ? null : a.state();
                boolean ok = rs != null && !rs.rejected() && rs.index() == Long.parseLong(t[4]);
                boolean lease = t.length > 5 && t[5].equalsIgnoreCase("lease");
                if (t.length > 5 && !lease) throw new IllegalArgumentException("unknown read qualifier " + t[5]);
                if (rs != null) ok &= rs.isLeaseRead() == lease;
                check(ok, "read " + readId + " answered with index " + t[4] + (lease ? " by lease" : " by a confirmed round"),
                        "it is " + actual);
            }
            default -> throw new IllegalArgumentException("expect read <id> index <i> [lease] | pending | rejected");
        }
    }

    /** expect refused N REASON [leader=L] | expect accepted N [index I] | expect forwarded N to L */
    private void expectResult(String[] t) {
        need(t, 3, "expect refused <id> <REASON> | expect accepted <id> [index <i>]");
        long id = id(t, 2);
        ProposeResult r = cluster.member(id).lastResult();
        String actual = r == null ? "no proposal" : ScenarioCluster.result(r);
        if (t[1].equalsIgnoreCase("refused")) {
            need(t, 4, "expect refused <id> <REASON> [leader=<hint>]");
            ProposeResult.Reason reason = ProposeResult.Reason.valueOf(t[3].toUpperCase(Locale.ROOT));
            check(r instanceof ProposeResult.Refused f && f.reason() == reason,
                    "the last proposal at " + id + " refused with " + reason, "it was " + actual);
            if (t.length > 4) {
                long hint = Long.parseLong(option(t[4], "leader"));
                check(((ProposeResult.Refused) r).leaderHint() == hint, "the refusal to name " + hint + " as leader",
                        "it names " + ((ProposeResult.Refused) r).leaderHint());
            }
        } else if (t[1].equalsIgnoreCase("forwarded")) {
            need(t, 5, "expect forwarded <id> to <leader>");
            long leader = Long.parseLong(t[4]);
            check(r instanceof ProposeResult.Forwarded f && f.leader() == leader,
                    "the last proposal at " + id + " forwarded to " + leader, "it was " + actual);
        } else {
            boolean ok = r instanceof ProposeResult.Accepted;
            if (ok && t.length > 4) ok = ((ProposeResult.Accepted) r).index() == Long.parseLong(t[4]);
            check(ok, "the last proposal at " + id + " accepted" + (t.length > 4 ? " at index " + t[4] : ""),
                    "it was " + actual);
        }
    }

    /** expect queue A->B TYPE TYPE(n) ... | expect queue A->B empty: the messages on that link, in order. */
    private void expectQueue(String[] t) {
        need(t, 4, "expect queue <from>-><to> TYPE... | empty");
        List<ScenarioCluster.Envelope> q = cluster.queued(linkFilter(t[2]));
        String actual = q.isEmpty() ? "nothing" : q.stream().map(Object::toString).collect(Collectors.joining("; "));
        if (t[3].equalsIgnoreCase("empty")) {
            check(q.isEmpty(), "nothing queued " + t[2], "queued: " + actual);
            return;
        }
        boolean ok = q.size() == t.length - 3;
        for (int i = 3; ok && i < t.length; i++) ok = typeFilter(t[i]).test(q.get(i - 3));
        check(ok, "queued " + t[2] + ": " + String.join(" ", Arrays.asList(t).subList(3, t.length)), "queued: " + actual);
    }

    /** expect progress <leader> <follower> state=.. match=.. next=.. inflight=.. */
    private void expectProgress(String[] t) {
        need(t, 5, "expect progress <leader> <follower> key=value...");
        long leader = id(t, 2);
        long follower = id(t, 3);
        Progress p = cluster.node(leader).progress(follower);
        if (p == null) throw new AssertionError("member " + leader + " tracks no progress for " + follower + ": " + describe(leader));
        for (int i = 4; i < t.length; i++) {
            int eq = t[i].indexOf('=');
            String k = t[i].substring(0, eq).toLowerCase(Locale.ROOT);
            String v = t[i].substring(eq + 1);
            String actual = switch (k) {
                case "state" -> p.state().name();
                case "match" -> String.valueOf(p.match());
                case "next" -> String.valueOf(p.next());
                case "inflight" -> String.valueOf(p.inflights().count());
                default -> throw new IllegalArgumentException("unknown progress field '" + k + "'");
            };
            check(actual.equalsIgnoreCase(v), "progress of " + follower + " at " + leader + ": " + k + "=" + v,
                    "it is " + p);
        }
    }

    /** expect config <who> voters=1,2,3 [outgoing=1,2,3|none] [learners=4|none] */
    private void expectConfig(String[] t) {
        need(t, 4, "expect config <who> voters=.. [outgoing=..] [learners=..]");
        for (long id : who(t[2])) {
            Configuration c = cluster.node(id).configuration();
            for (int i = 3; i < t.length; i++) {
                int eq = t[i].indexOf('=');
                String k = t[i].substring(0, eq).toLowerCase(Locale.ROOT);
                Set<Long> want = idSet(t[i].substring(eq + 1));
                Set<Long> actual = switch (k) {
                    case "voters" -> idSet(c.voters().incoming());
                    case "outgoing" -> idSet(c.voters().outgoing());
                    case "learners" -> new TreeSet<>(c.learners());
                    case "learners-next" -> new TreeSet<>(c.learnersNext());
                    default -> throw new IllegalArgumentException("unknown config field '" + k + "'");
                };
                check(actual.equals(want), "member " + id + " configuration " + k + "=" + want, "it is " + c);
            }
        }
    }

    private static Set<Long> idSet(MajorityQuorum q) {
        Set<Long> s = new TreeSet<>();
        for (long id : q.ids()) s.add(id);
        return s;
    }

    private static Set<Long> idSet(String csv) {
        Set<Long> s = new TreeSet<>();
        if (csv.equalsIgnoreCase("none")) return s;
        for (String p : csv.split(",")) s.add(Long.parseLong(p.trim()));
        return s;
    }

    // ------------------------------------------------------------------ helpers

    private String describe(long id) {
        RaftNode n = cluster.node(id);
        return "member " + id + " is " + n.role() + " in term " + n.term() + " (leader " + n.leaderId() + ", vote "
                + n.hardState().getVote() + ", log " + ScenarioCluster.logString(n.log()) + ", commit "
                + n.log().committed() + ")";
    }

    private String wire() {
        List<ScenarioCluster.Envelope> q = cluster.queued();
        if (q.isEmpty()) return "    nothing";
        return q.stream().map(e -> "    " + e).collect(Collectors.joining("\n"));
    }

    private static void check(boolean ok, String expected, String actual) {
        if (!ok) throw new ExpectationFailed("expected " + expected + "\n  but " + actual);
    }

    /** A failed expect line (as opposed to a broken script or an exception from the code under test). */
    static final class ExpectationFailed extends AssertionError {
        ExpectationFailed(String message) {
            super(message);
        }
    }

    private Collection<Long> who(String spec) {
        if (spec.equalsIgnoreCase("all")) return new ArrayList<>(cluster.ids());
        Set<Long> ids = new LinkedHashSet<>();
        for (String p : spec.split(",")) ids.add(Long.parseLong(p));
        return ids;
    }

    private long maxClock() {
        return cluster.members().stream().mapToLong(ScenarioCluster.Member::clock).max().orElse(0);
    }

    private static long id(String[] t, int i) {
        if (t.length <= i) throw new IllegalArgumentException("missing member id");
        return Long.parseLong(t[i]);
    }

    private static long time(String s) {
        return Describe.parseTime(s);
    }

    private static String option(String token, String key) {
        String prefix = key + "=";
        if (!token.startsWith(prefix)) throw new IllegalArgumentException("expected " + prefix + "...: " + token);
        return token.substring(prefix.length());
    }

    private static void need(String[] t, int n, String usage) {
        if (t.length < n) throw new IllegalArgumentException("usage: " + usage);
    }
}
