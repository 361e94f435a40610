package io.keel.faults.workload;

import static io.keel.faults.workload.Workload.bytes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.keel.faults.cluster.KeelCluster;
import io.keel.faults.cluster.KeelProcess;
import io.keel.faults.workload.Tally.Outcome;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The lease workload, two kinds of lease:
 * <ul>
 *   <li><b>sessions</b> kept alive through the faults (jetcd's keep-alive, TTL {@value #SESSION_TTL} s), each with
 *       a key attached. Safety: the key is never found gone by a read that completed before the last keep-alive
 *       answer's time plus the TTL (less two seconds for the answer's way back): a lease a member said was alive is
 *       never expired early, whatever the failover. A session whose lease did legitimately run out starts over.
 *   <li><b>abandoned</b> leases (TTL {@value #ABANDONED_TTL} s, one every two seconds, never kept alive) with a key
 *       each. Liveness: the key is gone within {@link #EXPIRY_BOUND} of its put: the TTL, plus what
 *       docs/operations.md allows after a leader change (the TTL again and an election timeout), plus the fault.
 * </ul>
 * Every check is a linearizable get through jetcd.
 */
public final class LeaseWorkload implements Workload {
    static final long SESSION_TTL = 6;
    static final long ABANDONED_TTL = 2;
    /** 2 x TTL + election timeout (docs/operations.md), plus a fault's hold and a loaded machine's slack. */
    public static final Duration EXPIRY_BOUND = Duration.ofSeconds(2 * ABANDONED_TTL + 1 + 20);
    private static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(2);

    private static final class Session {
        final int id;
        volatile long lease;
        volatile String key;
        volatile long lastAckAt; // nanoTime of the last keep-alive answer with TTL > 0
        volatile long lastTtl;
        CloseableClient keepAlive;

        Session(int id) {
            this.id = id;
        }
    }

    private record Abandoned(String key, long putAt, long[] goneAt) {
    }

    private final KeelCluster cluster;
    private final Tally tally = new Tally();
    private final List<String> violations = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final List<Abandoned> abandoned = new ArrayList<>();
    private final List<Session> sessions = new ArrayList<>();
    private Client client;
    private Thread thread;
    private volatile boolean running;

    public LeaseWorkload(KeelCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public String name() {
        return "lease";
    }

    @Override
    public void start() {
        String[] endpoints = cluster.members().stream().map(KeelProcess::clientUrl).toArray(String[]::new);
        client = Client.builder().endpoints(endpoints).connectTimeout(Duration.ofSeconds(2)).build();
        for (int i = 0; i < 3; i++) sessions.add(new Session(i));
        running = true;
        thread = new Thread(this::loop, "lease-workload");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void phase(String phase) {
        // Sessions live across faults; abandoned leases are told apart by their put times.
    }

    private void loop() {
        long nextAbandoned = System.nanoTime();
        int n = 0;
        while (running) {
            for (Session s : sessions) {
                try {
                    if (s.key == null) open(s);
                    else checkSession(s);
                } catch (Exception e) {
                    // counted in the tally; tried again next round
                }
            }
            if (System.nanoTime() >= nextAbandoned) {
                nextAbandoned = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                try {
                    abandon(++n);
                } catch (Exception e) {
                    // counted
                }
            }
            checkAbandoned();
            RegisterWorkload.pause(250);
        }
    }

    private void open(Session s) throws Exception {
        long lease = step(false, () -> client.getLeaseClient().grant(SESSION_TTL).get(3, TimeUnit.SECONDS).getID());
        String key = "lease/session/s" + s.id + "-" + Long.toHexString(lease);
        step(true, () -> client.getKVClient().put(bytes(key), bytes("alive"),
                PutOption.builder().withLeaseId(lease).build()).get(3, TimeUnit.SECONDS));
        s.lease = lease;
        s.lastAckAt = System.nanoTime();
        s.lastTtl = SESSION_TTL;
        s.keepAlive = client.getLeaseClient().keepAlive(lease, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                if (r.getTTL() > 0) {
                    s.lastTtl = r.getTTL();
                    s.lastAckAt = System.nanoTime();
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        s.key = key;
        event("session s" + s.id + " holds lease " + Long.toHexString(lease) + " with key " + key);
    }

    private void checkSession(Session s) throws Exception {
        long ackAt = s.lastAckAt;
        long ttl = s.lastTtl;
        long invoked = System.nanoTime();
        long count = step(false, () -> client.getKVClient().get(bytes(s.key)).get(3, TimeUnit.SECONDS).getCount());
        long done = System.nanoTime();
        if (count > 0) return;
        long aliveUntil = ackAt + TimeUnit.SECONDS.toNanos(ttl);
        if (done + MARGIN_NANOS < aliveUntil) {
            String v = "session s" + s.id + "'s key " + s.key + " was gone at a read done at " + done
                    + " (invoked " + invoked + "), " + (aliveUntil - done) / 1_000_000
                    + " ms before its lease could expire: the keep-alive answered at " + ackAt + " gave it " + ttl
                    + " s";
            synchronized (violations) {
                violations.add(v);
            }
            event("VIOLATION " + v);
        } else {
            event("session s" + s.id + "'s lease ran out (no keep-alive answer for " + (done - ackAt) / 1_000_000
                    + " ms): starts over");
        }
        s.keepAlive.close();
        s.key = null;
    }

    private void abandon(int n) throws Exception {
        long lease = step(false, () -> client.getLeaseClient().grant(ABANDONED_TTL).get(3, TimeUnit.SECONDS).getID());
        String key = "lease/abandoned/" + n;
        step(true, () -> client.getKVClient().put(bytes(key), bytes("left"),
                PutOption.builder().withLeaseId(lease).build()).get(3, TimeUnit.SECONDS));
        synchronized (abandoned) {
            abandoned.add(new Abandoned(key, System.nanoTime(), new long[] {0}));
        }
    }

    private void checkAbandoned() {
        List<Abandoned> pending;
        synchronized (abandoned) {
            pending = abandoned.stream().filter(a -> a.goneAt()[0] == 0).toList();
        }
        for (Abandoned a : pending) {
            long invoked = System.nanoTime();
            try {
                long count = step(false, () -> client.getKVClient().get(bytes(a.key())).get(3, TimeUnit.SECONDS)
                        .getCount());
                if (count == 0) a.goneAt()[0] = invoked;
            } catch (Exception e) {
                return; // the cluster is unavailable now: try again next round
            }
        }
    }

    private interface Step<T> {
        T run() throws Exception;
    }

    private <T> T step(boolean write, Step<T> step) throws Exception {
        long invoked = System.nanoTime();
        try {
            T r = step.run();
            tally.record(write, Outcome.OK, invoked, System.nanoTime());
            return r;
        } catch (Exception e) {
            tally.record(write, write ? Outcome.UNKNOWN : Outcome.FAILED, invoked, System.nanoTime());
            throw e;
        }
    }

    private void event(String what) {
        synchronized (events) {
            events.add(System.nanoTime() + " " + what);
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Session s : sessions) if (s.keepAlive != null) s.keepAlive.close();
        if (client != null) client.close();
    }

    /**
     * The sessions' safety over the run so far, and the expiry of the leases abandoned in this fault's window
     * [from, to): each one's key gone within the bound (one still there at the end counts from the end).
     */
    @Override
    public Check check(String phase, Window window) {
        long from = window.from();
        long to = window.to();
        long end = window.end();
        synchronized (violations) {
            if (!violations.isEmpty()) return Check.fail("LEASE EXPIRED EARLY: " + violations.get(0));
        }
        long worst = 0;
        int count = 0;
        synchronized (abandoned) {
            for (Abandoned a : abandoned) {
                if (a.putAt() < from || a.putAt() >= to) continue;
                count++;
                long gone = a.goneAt()[0] == 0 ? end : a.goneAt()[0];
                worst = Math.max(worst, gone - a.putAt());
                if (a.goneAt()[0] == 0 && end - a.putAt() > EXPIRY_BOUND.toNanos()) {
                    return Check.fail("abandoned lease key " + a.key() + " still there "
                            + (end - a.putAt()) / 1_000_000 + " ms after its put");
                }
            }
        }
        String text = count + " abandoned leases, slowest gone " + String.format("%.1f s", worst / 1e9)
                + " after its put; sessions never expired early";
        return worst <= EXPIRY_BOUND.toNanos() ? Check.pass(text)
                : Check.fail(text + ", beyond the bound of " + EXPIRY_BOUND.toSeconds() + " s");
    }

    @Override
    public Tally.Counts counts(long from, long to) {
        return tally.between(from, to);
    }

    @Override
    public void writeHistory(Path file) {
        StringBuilder b = new StringBuilder("# times are System.nanoTime() of the test JVM\n");
        synchronized (events) {
            for (String e : events) b.append(e).append('\n');
        }
        synchronized (abandoned) {
            for (Abandoned a : abandoned) {
                b.append("abandoned ").append(a.key()).append(" put at ").append(a.putAt()).append(" gone by ")
                        .append(a.goneAt()[0] == 0 ? "never seen gone" : Long.toString(a.goneAt()[0])).append('\n');
            }
        }
        Workload.writeHistoryFile(file, b);
    }
}
