package io.keel.faults.workload;

import static io.keel.faults.workload.Workload.bytes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.keel.faults.cluster.KeelCluster;
import io.keel.faults.cluster.KeelProcess;
import io.keel.faults.workload.Tally.Outcome;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The watch workload: one writer putting to keys under {@value #PREFIX} (through any member), and one watcher per
 * initial member, each on a jetcd client of that member alone, watching the prefix from revision 1 and resuming a
 * broken watch from the revision after the last one it got, as etcd's clients do. Checked at the end against
 * the store's history of the prefix (a fresh watch from revision 1 at the leader): each watcher got every revision
 * once, in order, none skipped, from the first up to the last it got, and a watcher whose member is still in the
 * cluster caught up with the last write.
 */
public final class WatchWorkload implements Workload {
    static final String PREFIX = "watch/";

    /**
     * One member's watcher: the revisions it got, and the one live watch it holds. Each watch has a generation; once
     * it fails, its generation is over and anything it still delivers is dropped, so there is never more than one
     * watch feeding the list (jetcd may go on delivering on a watch it reported failed).
     */
    private static final class Watcher {
        final String member;
        final Client client;
        final List<Long> revisions = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        int generation; // guarded by this
        Watch.Watcher current; // guarded by this

        Watcher(String member, Client client) {
            this.member = member;
            this.client = client;
        }

        String member() {
            return member;
        }

        Client client() {
            return client;
        }

        List<Long> revisions() {
            return revisions;
        }

        List<String> errors() {
            return errors;
        }
    }

    private final KeelCluster cluster;
    private final Tally tally = new Tally();
    private final List<Watcher> watchers = new ArrayList<>();
    private Client writerClient;
    private Thread writer;
    private volatile boolean running;
    /** Watchers still resume while the check waits for them to catch up. */
    private volatile boolean resuming = true;

    public WatchWorkload(KeelCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public String name() {
        return "watch";
    }

    private static Client clientOf(String... endpoints) {
        return Client.builder().endpoints(endpoints).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @Override
    public void start() {
        writerClient = clientOf(cluster.members().stream().map(KeelProcess::clientUrl).toArray(String[]::new));
        running = true;
        for (KeelProcess m : cluster.members()) {
            Watcher w = new Watcher(m.name, clientOf(m.clientUrl()));
            watchers.add(w);
            watchFrom(w, 1);
        }
        writer = new Thread(this::write, "watch-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Watches the prefix at {@code w}'s member from {@code revision}. jetcd ends a watch whose stream the member
     * reset (it stopped, or restarts): like etcd's own clients, the watcher then resumes from the revision after
     * the last one it got, and the check demands that the resumed watch continues exactly there.
     */
    private void watchFrom(Watcher w, long revision) {
        Watch.Watcher stale;
        int generation;
        synchronized (w) {
            generation = ++w.generation;
            stale = w.current;
            w.current = null;
        }
        if (stale != null) stale.close();
        Watch.Watcher watch = w.client().getWatchClient().watch(bytes(PREFIX), WatchOption.builder().isPrefix(true)
                .withRevision(revision).build(), Watch.listener(r -> {
                    synchronized (w) {
                        if (w.generation != generation) return;
                        for (var e : r.getEvents()) w.revisions().add(e.getKeyValue().getModRevision());
                    }
                }, e -> {
                    synchronized (w) {
                        if (w.generation != generation) return;
                        w.generation++; // this watch is over: drop whatever it still delivers
                        w.errors().add(System.nanoTime() + " " + e);
                    }
                    Thread resume = new Thread(() -> {
                        RegisterWorkload.pause(500);
                        if (running || resuming) watchFrom(w, lastOf(w) + 1);
                    }, "watch-resume-" + w.member());
                    resume.setDaemon(true);
                    resume.start();
                }));
        synchronized (w) {
            if (w.generation == generation) {
                w.current = watch;
                return;
            }
        }
        watch.close(); // it failed before it was even recorded; its resume is under way
    }

    private void write() {
        long n = 0;
        while (running) {
            long invoked = System.nanoTime();
            try {
                writerClient.getKVClient().put(bytes(PREFIX + "k" + (n % 5)), bytes(Long.toString(++n)))
                        .get(3, TimeUnit.SECONDS);
                tally.record(true, Outcome.OK, invoked, System.nanoTime());
            } catch (Exception e) {
                tally.record(true, Outcome.UNKNOWN, invoked, System.nanoTime());
            }
            RegisterWorkload.pause(50);
        }
    }

    @Override
    public void phase(String phase) {
        // One watch across the run.
    }

    @Override
    public void close() {
        running = false;
        if (writer != null) {
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Per fault: the writer's counts only; the watchers are checked over the whole run ({@link #checkWatchers}). */
    @Override
    public Check check(String phase, Window window) {
        return Check.pass("(the watchers are checked over the whole run)");
    }

    /** Compares every watcher with the store's history of the prefix; closes the watchers. */
    public Check checkWatchers() throws Exception {
        List<Long> truth = new ArrayList<>();
        try (Client c = clientOf(cluster.awaitLeader(KeelCluster.DEADLINE).clientUrl())) {
            long upTo = c.getKVClient().get(bytes(PREFIX)).get(30, TimeUnit.SECONDS).getHeader().getRevision();
            try (Watch.Watcher w = c.getWatchClient().watch(bytes(PREFIX), WatchOption.builder().isPrefix(true)
                    .withRevision(1).build(), Watch.listener(r -> {
                        synchronized (truth) {
                            for (var e : r.getEvents()) truth.add(e.getKeyValue().getModRevision());
                        }
                    }))) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < end) {
                    synchronized (truth) {
                        // Nothing writes under the prefix once the workloads stopped: upTo covers every write.
                        if (!truth.isEmpty() && truth.get(truth.size() - 1) >= upTo) break;
                    }
                    RegisterWorkload.pause(200);
                }
            }
        }
        List<Long> expected;
        synchronized (truth) {
            expected = new ArrayList<>(new TreeSet<>(truth));
        }
        if (expected.isEmpty()) return Check.fail("no write under " + PREFIX + " in the store's history");
        long last = expected.get(expected.size() - 1);
        List<String> present = cluster.members().stream().map(m -> m.name).toList();
        // Give the watchers of live members time to catch up with the last write.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end && watchers.stream().anyMatch(w -> present.contains(w.member())
                && lastOf(w) < last)) {
            RegisterWorkload.pause(200);
        }
        StringBuilder detail = new StringBuilder();
        try {
            for (Watcher w : watchers) {
                List<Long> got;
                synchronized (w) {
                    got = new ArrayList<>(w.revisions());
                }
                String problem = compare(got, expected, present.contains(w.member()) ? last : -1);
                if (problem != null) return Check.fail("WATCH on " + w.member() + ": " + problem);
                detail.append(w.member()).append(' ').append(got.size()).append(" events; ");
            }
        } finally {
            resuming = false;
            for (Watcher w : watchers) w.client().close();
            if (writerClient != null) writerClient.close();
        }
        return Check.pass(expected.size() + " revisions, every watcher in order, none repeated or skipped: "
                + detail);
    }

    private static long lastOf(Watcher w) {
        synchronized (w) {
            return w.revisions().isEmpty() ? 0 : w.revisions().get(w.revisions().size() - 1);
        }
    }

    /**
     * {@code got} must equal {@code expected} from got's first revision to its last (in order, once each), and, when
     * {@code mustReach} is not -1, reach it.
     */
    static String compare(List<Long> got, List<Long> expected, long mustReach) {
        if (got.isEmpty()) return "no event at all";
        int at = expected.indexOf(got.get(0));
        if (at < 0) return "first event at revision " + got.get(0) + ", which is not a write under " + PREFIX;
        for (int i = 0; i < got.size(); i++) {
            if (at + i >= expected.size()) return "event at revision " + got.get(i) + " beyond the history's last";
            if (!got.get(i).equals(expected.get(at + i))) {
                return "event " + i + " is revision " + got.get(i) + " where revision " + expected.get(at + i)
                        + " was due (previous: " + (i == 0 ? "none" : got.get(i - 1)) + ")";
            }
        }
        long lastGot = got.get(got.size() - 1);
        if (mustReach != -1 && lastGot < mustReach) {
            return "stopped at revision " + lastGot + ", never got up to the last write at " + mustReach;
        }
        return null;
    }

    @Override
    public Tally.Counts counts(long from, long to) {
        return tally.between(from, to);
    }

    @Override
    public void writeHistory(Path file) {
        StringBuilder b = new StringBuilder();
        for (Watcher w : watchers) {
            synchronized (w) {
                b.append(w.member()).append(" revisions ").append(w.revisions()).append('\n');
                for (String e : w.errors()) b.append(w.member()).append(" error ").append(e).append('\n');
            }
        }
        Workload.writeHistoryFile(file, b);
    }
}
