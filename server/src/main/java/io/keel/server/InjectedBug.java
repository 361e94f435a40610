package io.keel.server;

import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.Response;
import io.keel.storage.mvcc.api.TxnRequest;
import io.keel.storage.mvcc.api.TxnResponse;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * FOR THE FAULT-INJECTION SUITE ONLY, NEVER IN PRODUCTION: bugs a member plants in itself when the environment
 * variable {@value #VARIABLE} names them (comma-separated), so that the suite in {@code faults/} can show that its
 * checkers catch them. Unset (always, outside that suite's tests) every bug is off and each call site is one
 * boolean test. Each bug is a mistake a real store could make; the suite's InjectedBugsTest runs each one and
 * demands that the checker reports a violation.
 */
public enum InjectedBug {
    /** A follower answers a linearizable read from its own store, without asking the leader for a read index. */
    FOLLOWER_LOCAL_READ("follower-local-read"),
    /** A confirmed read index is read at once, without waiting for this member's store to apply up to it. */
    READ_BEFORE_APPLY("read-before-apply"),
    /**
     * A transaction's compare is evaluated against the receiving member's store, and only the chosen branch goes
     * through Raft: check-then-act, so two members can both let a compare-and-swap of the same value succeed.
     */
    TXN_COMPARE_AT_RECEIVER("txn-compare-at-receiver");

    public static final String VARIABLE = "KEEL_TEST_INJECT_BUG";

    private static final Set<InjectedBug> ON = parse(System.getenv(VARIABLE));

    static {
        if (!ON.isEmpty()) {
            // Loud on purpose: a member running with a planted bug must never pass for a healthy one.
            System.err.println("keel: WARNING: " + VARIABLE + " plants test-only bugs in this member: " + ON
                    + "; never set it outside the fault-injection suite");
        }
    }

    private final String flag;

    InjectedBug(String flag) {
        this.flag = flag;
    }

    public boolean on() {
        return ON.contains(this);
    }

    public String flag() {
        return flag;
    }

    /**
     * {@link #TXN_COMPARE_AT_RECEIVER}'s wrong transaction: compare on {@code localRead}'s store, then propose the
     * chosen branch with no compare at all, answering with the local compare's outcome.
     */
    public static CompletableFuture<TxnResponse> compareHereThenWrite(TxnRequest request,
            Function<Function<MvccStore, TxnResponse>, TxnResponse> localRead,
            Function<Operation, CompletableFuture<Response>> write) {
        boolean succeeded = localRead.apply(s -> s.readTxn(new TxnRequest(request.compare(), List.of(), List.of())))
                .succeeded();
        TxnRequest branch = new TxnRequest(List.of(), succeeded ? request.success() : request.failure(), List.of());
        return write.apply(branch).thenApply(r -> {
            TxnResponse t = (TxnResponse) r;
            return new TxnResponse(t.revision(), succeeded, t.responses());
        });
    }

    private static Set<InjectedBug> parse(String value) {
        Set<InjectedBug> on = EnumSet.noneOf(InjectedBug.class);
        if (value == null || value.isBlank()) return on;
        for (String name : value.split(",")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            on.add(Arrays.stream(values()).filter(b -> b.flag.equals(n)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(VARIABLE + ": unknown bug '" + n + "'; known: "
                            + Arrays.stream(values()).map(b -> b.flag).collect(Collectors.joining(", ")))));
        }
        return on;
    }
}
