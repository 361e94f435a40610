package io.keel.faults.workload;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.keel.faults.cluster.KeelCluster;
import io.keel.faults.cluster.KeelProcess;
import io.keel.faults.workload.Tally.Outcome;
import io.keel.raft.sim.linearizability.History;
import io.keel.raft.sim.linearizability.LinearizabilityChecker;
import io.keel.raft.sim.linearizability.Operation;
import io.keel.raft.sim.linearizability.Verdict;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.TxnResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The register workload: clients doing put, linearizable get and compare-and-swap (a txn comparing the value) on a
 * few keys, each client pinned to one member so that clients keep talking to every side of a partition. The history
 * is checked for linearizability by raft-core's checker, the one its simulation uses.
 *
 * <p>A write that fails in any way has an unknown outcome (a timeout, a lost leader, a member gone mid-request: it
 * may still apply), which the checker lets take effect at any time after its call, or never. A failed read tells
 * nothing and is counted, not recorded. Values are unique per write, so a read names the write it saw.
 */
public final class RegisterWorkload implements Workload {
    private static final int KEYS = 6;
    private static final long OP_DEADLINE_MS = 2000;
    private static final long STATES_PER_KEY = 10_000_000;

    private final KeelCluster cluster;
    private final int clientsPerMember;
    private final long seed;
    private final List<Operation> history = new ArrayList<>();
    private final Tally tally = new Tally();
    private final List<Thread> clients = new ArrayList<>();
    private volatile String phase = "start";
    private volatile boolean running;

    public RegisterWorkload(KeelCluster cluster, int clientsPerMember, long seed) {
        this.cluster = cluster;
        this.clientsPerMember = clientsPerMember;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "register";
    }

    @Override
    public void start() {
        running = true;
        int n = cluster.members().size() * clientsPerMember;
        for (int c = 0; c < n; c++) {
            int client = c;
            Thread t = new Thread(() -> runClient(client, new Random(seed * 1000 + client)), "register-" + c);
            t.setDaemon(true);
            clients.add(t);
            t.start();
        }
    }

    @Override
    public void phase(String phase) {
        this.phase = phase;
    }

    private static String key(String phase, int k) {
        return "reg/" + phase + "/k" + k;
    }

    private void runClient(int client, Random random) {
        Map<String, String> lastSeen = new HashMap<>();
        long seq = 0;
        while (running) {
            List<KeelProcess> members = cluster.members();
            KeelProcess m = members.get(client % members.size());
            String key = key(phase, random.nextInt(KEYS));
            int dice = random.nextInt(10);
            String value = "c" + client + "-" + (++seq);
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(m.channel)
                    .withDeadlineAfter(OP_DEADLINE_MS, TimeUnit.MILLISECONDS);
            long invoked = System.nanoTime();
            if (dice < 4) {
                try {
                    RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(utf8(key)).build());
                    long done = System.nanoTime();
                    String read = r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
                    record(Operation.get(client, key, invoked, done, read), false, Outcome.OK, invoked, done);
                    lastSeen.put(key, read);
                } catch (StatusRuntimeException e) {
                    tally.record(false, Outcome.FAILED, invoked, System.nanoTime());
                    pause(50);
                }
            } else if (dice < 7) {
                try {
                    kv.put(PutRequest.newBuilder().setKey(utf8(key)).setValue(utf8(value)).build());
                    long done = System.nanoTime();
                    record(Operation.put(client, key, value, invoked, done), true, Outcome.OK, invoked, done);
                    lastSeen.put(key, value);
                } catch (StatusRuntimeException e) {
                    if (neverSent(e)) tally.record(true, Outcome.FAILED, invoked, System.nanoTime());
                    else record(Operation.putUnknown(client, key, value, invoked), true, Outcome.UNKNOWN, invoked,
                            System.nanoTime());
                    pause(50);
                }
            } else {
                String expected = lastSeen.get(key);
                Compare.Builder cmp = Compare.newBuilder().setKey(utf8(key)).setResult(Compare.CompareResult.EQUAL);
                if (expected == null) cmp.setTarget(Compare.CompareTarget.VERSION).setVersion(0);
                else cmp.setTarget(Compare.CompareTarget.VALUE).setValue(utf8(expected));
                try {
                    TxnResponse r = kv.txn(TxnRequest.newBuilder().addCompare(cmp).addSuccess(RequestOp.newBuilder()
                            .setRequestPut(PutRequest.newBuilder().setKey(utf8(key)).setValue(utf8(value)))).build());
                    long done = System.nanoTime();
                    record(Operation.cas(client, key, expected, value, invoked, done, r.getSucceeded()), true,
                            Outcome.OK, invoked, done);
                    if (r.getSucceeded()) lastSeen.put(key, value);
                    else lastSeen.remove(key);
                } catch (StatusRuntimeException e) {
                    if (neverSent(e)) tally.record(true, Outcome.FAILED, invoked, System.nanoTime());
                    else record(Operation.casUnknown(client, key, expected, value, invoked), true, Outcome.UNKNOWN,
                            invoked, System.nanoTime());
                    pause(50);
                }
            }
            pause(5);
        }
    }

    /**
     * A write that failed because no connection could be made (the member is down or restarting: refused) never
     * left this JVM, so it definitely did not happen: counted as failed, not recorded. Every other failure may
     * have reached a member and is of unknown outcome. Keeping these out of the history keeps the checker's search
     * small through kills and restarts.
     */
    private static boolean neverSent(StatusRuntimeException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE) return false;
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) return true;
        }
        return false;
    }

    private void record(Operation op, boolean write, Outcome outcome, long invoked, long done) {
        synchronized (history) {
            history.add(op);
        }
        tally.record(write, outcome, invoked, done);
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : clients) {
            try {
                t.join(OP_DEADLINE_MS * 3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public Check check(String phase, Window window) {
        History h = new History();
        String prefix = "reg/" + phase + "/";
        synchronized (history) {
            for (Operation op : history) if (op.key().startsWith(prefix)) h.add(op);
        }
        Verdict v = new LinearizabilityChecker(STATES_PER_KEY).check(h);
        if (v instanceof Verdict.Linearizable l) {
            return Check.pass("linearizable (" + h.size() + " ops on " + l.keys() + " keys)");
        }
        if (v instanceof Verdict.NotLinearizable n) {
            return Check.fail("NOT LINEARIZABLE: " + n.explanation());
        }
        return Check.fail("undecided (counts as a failure): " + ((Verdict.Unknown) v).reason());
    }

    @Override
    public Tally.Counts counts(long from, long to) {
        return tally.between(from, to);
    }

    @Override
    public void writeHistory(Path file) {
        String text;
        synchronized (history) {
            text = history.stream().map(Operation::toString).collect(Collectors.joining("\n", "", "\n"));
        }
        try {
            Files.writeString(file, "# times are System.nanoTime() of the test JVM; ? = outcome unknown\n" + text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** A client's back-off after a refused request, the workload's pacing, or the poll interval of a loop with a deadline. */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
