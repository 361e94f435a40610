package io.keel.server.lease;

import io.keel.raft.Role;
import io.keel.raft.SoftState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.LeaseCheckpointRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchResponse;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseExpireResponse;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.NoOpResponse;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lessor on its own, with a hand-driven clock and proposer (issue 16): keep-alives renew in memory and propose
 * nothing, only under the leader lease; a keep-alive of a lease being expired waits for the expiry; expiries go in
 * bounded batches; a keep-alive after a checkpoint is answered only once an entry clearing it, proposed after the
 * checkpoint, applied; a new leader continues a lease from its checkpoint.
 */
class LessorTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @TempDir
    Path dir;
    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final AtomicBoolean leaseHeld = new AtomicBoolean(true);
    /** What a quorum confirmation round says when the lease is not held. */
    private CompletableFuture<?> confirmed = CompletableFuture.failedFuture(new IllegalStateException("no quorum"));
    private final List<Operation> proposed = new ArrayList<>();
    private final List<CompletableFuture<Response>> outcomes = new ArrayList<>();
    private MvccStore store;
    private Lessor lessor;
    private long index;

    @BeforeEach
    void open() {
        store = MvccStore.open(dir);
        lessor = newLessor();
    }

    @AfterEach
    void close() {
        lessor.close();
        store.close();
    }

    private Lessor newLessor() {
        return new Lessor(1, Duration.ofSeconds(1), now::get, op -> {
            proposed.add(op);
            CompletableFuture<Response> f = new CompletableFuture<>();
            outcomes.add(f);
            return f;
        }, term -> leaseHeld.get(), term -> confirmed);
    }

    private void lead(Lessor l, long term) {
        LessorEntries.lead(l, store, ++index, term);
    }

    private void granted(long id, long ttl) {
        granted(lessor, id, ttl);
    }

    private void granted(Lessor l, long id, long ttl) {
        LessorEntries.granted(l, store, ++index, id, ttl);
    }

    private void expiryApplied(long id) {
        index++;
        lessor.applied(store, Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(index).setTerm(2).build(),
                new LeaseExpireRequest(id, index - 1), new ApplyResult(index, new LeaseExpireResponse(0, id, true),
                        null));
    }

    private void advance(double seconds) {
        now.addAndGet((long) (seconds * SECOND));
    }

    private long ofType(Class<?> type) {
        return proposed.stream().filter(type::isInstance).count();
    }

    /** Expiries proposed, one per lease (they travel in batches). */
    private long expiriesProposed() {
        return proposed.stream().filter(LeaseExpireBatchRequest.class::isInstance)
                .mapToLong(op -> ((LeaseExpireBatchRequest) op).expiries().size()).sum();
    }

    /** A batch of expiries applied, each lease revoked. */
    private void expiriesApplied(long... ids) {
        index++;
        List<LeaseExpireRequest> requests = new ArrayList<>();
        List<LeaseExpireResponse> results = new ArrayList<>();
        for (long id : ids) {
            requests.add(new LeaseExpireRequest(id, index - 1));
            results.add(new LeaseExpireResponse(0, id, true));
        }
        lessor.applied(store, Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(index).setTerm(2).build(),
                new LeaseExpireBatchRequest(requests),
                new ApplyResult(index, new LeaseExpireBatchResponse(0, results), null));
    }

    @Test
    void aKeepAliveRenewsInMemoryAndProposesNothing() {
        lead(lessor, 2);
        granted(7, 10);
        advance(6);
        assertEquals(10L, lessor.renew(7, 0).join());
        assertEquals(List.of(), proposed, "a keep-alive is no entry");
        advance(6); // past the granted deadline, not past the renewed one
        lessor.expireDue();
        assertEquals(0, expiriesProposed());
        advance(4.5);
        lessor.expireDue();
        assertEquals(List.of(new LeaseExpireBatchRequest(List.of(new LeaseExpireRequest(7, index)))), proposed);
        assertEquals(0L, lessor.renew(99, 0).join(), "an unknown lease answers TTL 0");
    }

    @Test
    void withoutTheLeaderLeaseAKeepAliveNeedsAQuorumRoundAndAFollowerRefusesIt() {
        lead(lessor, 2);
        granted(7, 10);
        leaseHeld.set(false);
        CompletionException e = assertThrows(CompletionException.class, () -> lessor.renew(7, 0).join());
        assertInstanceOf(NotPrimaryException.class, e.getCause(), "no lease, no quorum: refused");
        CompletableFuture<Object> round = new CompletableFuture<>();
        confirmed = round;
        CompletableFuture<Long> renewed = lessor.renew(7, 0);
        assertFalse(renewed.isDone(), "answered only once a quorum confirmed this member still leads");
        round.complete(null);
        assertEquals(10L, renewed.join());
        assertEquals(List.of(), proposed);
        leaseHeld.set(true);
        lessor.leadershipChanged(new SoftState(Role.FOLLOWER, 2, 3));
        e = assertThrows(CompletionException.class, () -> lessor.renew(7, 0).join());
        assertInstanceOf(NotPrimaryException.class, e.getCause());
    }

    @Test
    void keepAlivesThatArriveTogetherAreRenewedThenCheckedAgainstTheLeaderLeaseOnce() {
        List<Long> remainingAtCheck = new ArrayList<>();
        AtomicReference<Lessor> self = new AtomicReference<>();
        Lessor l = new Lessor(1, Duration.ofSeconds(1), now::get, op -> new CompletableFuture<>(), term -> {
            // The check comes after every renewal of the batch, as a single keep-alive's after its own.
            remainingAtCheck.add(self.get().remainingNanos(7).orElseThrow());
            remainingAtCheck.add(self.get().remainingNanos(8).orElseThrow());
            return leaseHeld.get();
        }, term -> confirmed);
        self.set(l);
        try {
            lead(l, 2);
            granted(l, 7, 10);
            granted(l, 8, 20);
            advance(6);
            long[] ttls = new long[3];
            assertEquals(Lessor.BatchWait.NONE, l.tryRenewAll(new long[] {7, 99, 8}, 3, 0, ttls));
            assertArrayEquals(new long[] {10, 0, 20}, ttls, "granted TTLs, and 0 for no such lease");
            assertEquals(List.of(10 * SECOND, 20 * SECOND), remainingAtCheck,
                    "one leader lease check, made once both deadlines were restarted");
            assertEquals(1, l.renewalLeaseChecks());
            assertEquals(2, l.renewals());

            leaseHeld.set(false); // lost: none of the batch is answered at once, each needs a quorum round
            remainingAtCheck.clear();
            advance(1);
            assertEquals(Lessor.BatchWait.NO_LEADER_LEASE, l.tryRenewAll(new long[] {7, 99, 8}, 3, 0, ttls));
            assertArrayEquals(new long[] {Lessor.NOT_NOW, Lessor.NOT_NOW, Lessor.NOT_NOW}, ttls);
            assertEquals(2, remainingAtCheck.size(), "checked once");
            assertEquals(2, l.renewals(), "nothing answered");
            CompletableFuture<Object> round = new CompletableFuture<>();
            confirmed = round;
            CompletableFuture<Long> seven = l.renew(7, 0);
            assertFalse(seven.isDone(), "answered only once a quorum confirmed this member still leads");
            round.complete(null);
            assertEquals(10L, seven.join());
            assertEquals(0L, l.renew(99, 0).join());

            assertEquals(Lessor.BatchWait.NOT_READY, l.tryRenewAll(new long[] {7}, 1, index + 1, ttls));
            assertEquals(Lessor.NOT_NOW, ttls[0], "not applied what the asker had: renew() waits for it");
            l.leadershipChanged(new SoftState(Role.FOLLOWER, 2, 3));
            assertEquals(Lessor.BatchWait.NOT_READY, l.tryRenewAll(new long[] {7, 99}, 2, 0, ttls));
            assertArrayEquals(new long[] {Lessor.NOT_NOW, Lessor.NOT_NOW}, new long[] {ttls[0], ttls[1]},
                    "not primary: nothing answered here, not even 'no such lease'");
        } finally {
            l.close();
        }
    }

    @Test
    void aSingleKeepAliveAnsweredAtOnceFollowsTheBatchsRules() {
        // tryRenew is the batch rule for one keep-alive (no arrays): renewed, then one leader lease check after it.
        lead(lessor, 2);
        granted(7, 10);
        advance(6);
        assertEquals(10L, lessor.tryRenew(7, 0));
        assertEquals(10 * SECOND, lessor.remainingNanos(7).orElseThrow(), "renewed");
        assertEquals(0L, lessor.tryRenew(99, 0), "no such lease: 0");
        assertEquals(1, lessor.renewalLeaseChecks(), "no check for a lease it does not know");
        assertEquals(Lessor.NOT_NOW, lessor.tryRenew(7, index + 1), "not applied what the asker had");
        leaseHeld.set(false);
        advance(1);
        assertEquals(Lessor.NOT_NOW, lessor.tryRenew(7, 0), "no leader lease after the renewal");
        assertEquals(10 * SECOND, lessor.remainingNanos(7).orElseThrow(), "renewed before the check");
        assertEquals(2, lessor.renewalLeaseChecks());
        assertEquals(1, lessor.renewals(), "answered once");
        advance(11);
        leaseHeld.set(true);
        assertEquals(Lessor.NOT_NOW, lessor.tryRenew(7, 0), "past its deadline: its expiry may be decided");
        assertEquals(2, lessor.renewalLeaseChecks(), "nothing renewed, nothing checked");
    }

    @Test
    void aBatchThatCannotBeAnsweredAtOnceWaitsOnceAsAWhole() {
        // Why: each keep-alive of such a batch was renewed again one by one, with a leader lease check and a quorum
        // round of its own (a burst of 64 whose lease lapsed for a moment cost 64 checks and 64 rounds).
        List<Long> rounds = new ArrayList<>();
        CompletableFuture<Object> round = new CompletableFuture<>();
        Lessor l = new Lessor(1, Duration.ofSeconds(1), now::get, op -> new CompletableFuture<>(),
                term -> leaseHeld.get(), term -> {
                    rounds.add(term);
                    return round;
                });
        try {
            lead(l, 2);
            granted(l, 7, 10);
            granted(l, 8, 20);
            long[] ids = {7, 99, 8};
            leaseHeld.set(false); // the leader lease lapsed: the whole batch waits for one quorum round
            assertEquals(Lessor.BatchWait.NO_LEADER_LEASE, l.tryRenewAll(ids, 3, 0, new long[3]));
            advance(1);
            CompletableFuture<long[]> later = l.renewAllLater(Lessor.BatchWait.NO_LEADER_LEASE, ids, 3, 0);
            assertFalse(later.isDone(), "answered only once a quorum confirmed this member still leads");
            assertEquals(List.of(2L), rounds, "one round of the primary's term for the batch");
            round.complete(null);
            assertArrayEquals(new long[] {10, 0, 20}, later.join());
            assertEquals(10 * SECOND, l.remainingNanos(7).orElseThrow(), "renewed again when it waited (idempotent)");
            assertEquals(1, l.renewalLeaseChecks(), "the lapsed check only: the round answers the batch");
            assertEquals(2, l.renewals());

            // Not yet applied what the asker had: nothing renewed; the batch waits once for the apply, then is
            // renewed and checked against the leader lease once.
            leaseHeld.set(true);
            long[] withNew = {7, 9};
            assertEquals(Lessor.BatchWait.NOT_READY, l.tryRenewAll(withNew, 2, index + 1, new long[2]));
            CompletableFuture<long[]> afterApply = l.renewAllLater(Lessor.BatchWait.NOT_READY, withNew, 2, index + 1);
            assertFalse(afterApply.isDone());
            granted(l, 9, 30);
            assertArrayEquals(new long[] {10, 30}, afterApply.join());
            assertEquals(2, l.renewalLeaseChecks());
            assertEquals(List.of(2L), rounds, "no round while the lease holds");
            assertEquals(2, l.batchesWaited());
            assertEquals(0, l.renewalsOneByOne(), "no keep-alive renewed one by one");

            // A batch that must wait for its own leases still takes them one by one (renew), the others answered.
            advance(25); // 7 is past its deadline (its expiry may already be decided), 9 is not
            long[] ttls = new long[2];
            assertEquals(Lessor.BatchWait.NONE, l.tryRenewAll(withNew, 2, 0, ttls));
            assertArrayEquals(new long[] {Lessor.NOT_NOW, 30}, ttls);

            l.leadershipChanged(new SoftState(Role.FOLLOWER, 2, 3));
            assertEquals(Lessor.BatchWait.NOT_READY, l.tryRenewAll(ids, 3, 0, new long[3]));
            CompletionException e = assertThrows(CompletionException.class,
                    () -> l.renewAllLater(Lessor.BatchWait.NOT_READY, ids, 3, 0).join());
            assertInstanceOf(NotPrimaryException.class, e.getCause(), "retried at whichever member leads");
        } finally {
            l.close();
        }
    }

    @Test
    void aKeepAliveWaitsUntilTheLeaderHasAppliedWhatTheAskerHad() {
        lead(lessor, 2);
        CompletableFuture<Long> early = lessor.renew(7, index + 1); // the asker applied the grant already
        assertFalse(early.isDone());
        granted(7, 10);
        assertEquals(10L, early.join());
    }

    @Test
    void aKeepAliveOfALeaseBeingExpiredWaitsForTheExpiryAndAnswersZero() {
        lead(lessor, 2);
        granted(7, 10);
        advance(10.5);
        lessor.expireDue();
        assertEquals(1, expiriesProposed());
        CompletableFuture<Long> late = lessor.renew(7, 0);
        assertFalse(late.isDone(), "never a TTL the pending expiry could contradict");
        expiryApplied(7); // an entry of the older kind, one expiry, still applies
        assertEquals(0L, late.join());
    }

    @Test
    void keepAlivesWaitingOnExpiriesOfOneBatchAllAnswerZero() {
        lead(lessor, 2);
        granted(7, 10);
        granted(8, 10);
        advance(10.5);
        lessor.expireDue();
        assertEquals(1, ofType(LeaseExpireBatchRequest.class), "both expiries in one entry");
        assertEquals(2, expiriesProposed());
        CompletableFuture<Long> seven = lessor.renew(7, 0);
        CompletableFuture<Long> eight = lessor.renew(8, 0);
        assertFalse(seven.isDone() || eight.isDone());
        expiriesApplied(7, 8);
        assertEquals(0L, seven.join());
        assertEquals(0L, eight.join());
        assertEquals(0L, lessor.renew(7, 0).join(), "forgotten once its expiry applied");
    }

    @Test
    void expiriesGoInBoundedBatches() {
        lead(lessor, 2);
        int leases = 100_000;
        for (long id = 1; id <= leases; id++) granted(id, 5);
        advance(6);
        int scans = 0;
        long before = 0;
        while (expiriesProposed() < leases) {
            int entriesBefore = proposed.size();
            lessor.expireDue();
            scans++;
            long n = expiriesProposed();
            assertTrue(n - before <= 100, "at most 100 expiries a scan (1,000 a second): " + (n - before));
            assertEquals(1, proposed.size() - entriesBefore, "one entry a scan");
            before = n;
        }
        assertEquals(1000, scans, "100,000 expiries take 1,000 scans of 100 ms");
        assertEquals(1000, ofType(LeaseExpireBatchRequest.class), "in 1,000 entries, not 100,000");
    }

    @Test
    void aKeepAliveAfterACheckpointIsAnsweredOnlyOnceAClearingEntryAfterItApplied() {
        lessor.checkpointInterval(Duration.ofSeconds(1));
        lead(lessor, 2);
        granted(9, 60);
        advance(1.1);
        lessor.expireDue();
        assertEquals(List.of(new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(9, 58_900)))),
                proposed);

        CompletableFuture<Long> first = lessor.renew(9, 0);
        CompletableFuture<Long> second = lessor.renew(9, 0);
        assertEquals(List.of(new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(9, 0)))),
                proposed.subList(1, proposed.size()), "one clearing entry, after the checkpoint, shared");
        assertFalse(first.isDone() || second.isDone(), "not answered before the clearing entry applied");
        outcomes.get(1).complete(new NoOpResponse(0));
        assertEquals(60L, first.join());
        assertEquals(60L, second.join());
        assertEquals(60L, lessor.renew(9, 0).join(), "cleared: the next keep-alive costs nothing");
        assertEquals(2, proposed.size());

        // A clearing entry that fails leaves the keep-alive unanswered (refused; the asker retries).
        advance(1.1);
        lessor.expireDue();
        assertEquals(3, proposed.size());
        CompletableFuture<Long> third = lessor.renew(9, 0);
        assertEquals(4, proposed.size());
        outcomes.get(3).completeExceptionally(new IllegalStateException("not committed"));
        CompletionException e = assertThrows(CompletionException.class, third::join);
        assertInstanceOf(NotPrimaryException.class, e.getCause());
    }

    @Test
    void clearingsThatArriveWhileOneIsOnItsWayLeaveTogetherInTheNextEntry() {
        lessor.checkpointInterval(Duration.ofSeconds(1));
        lead(lessor, 2);
        for (long id = 20; id < 25; id++) granted(id, 60);
        advance(1.1);
        lessor.expireDue();
        assertEquals(1, proposed.size(), "one checkpoint entry for the five leases");

        CompletableFuture<Long> first = lessor.renew(20, 0);
        assertEquals(List.of(new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(20, 0)))),
                proposed.subList(1, proposed.size()), "the first clearing leaves at once");
        List<CompletableFuture<Long>> others = new ArrayList<>();
        for (long id = 21; id < 25; id++) others.add(lessor.renew(id, 0));
        assertEquals(2, proposed.size(), "the others wait for the clearing on its way");
        assertFalse(others.stream().anyMatch(CompletableFuture::isDone));

        outcomes.get(1).complete(new NoOpResponse(0));
        assertEquals(60L, first.join());
        assertEquals(3, proposed.size(), "then leave together, in one entry");
        LeaseCheckpointRequest together = assertInstanceOf(LeaseCheckpointRequest.class, proposed.get(2));
        assertEquals(java.util.Set.of(21L, 22L, 23L, 24L), together.checkpoints().stream()
                .map(LeaseCheckpointRequest.Checkpoint::id).collect(java.util.stream.Collectors.toSet()));
        assertTrue(together.checkpoints().stream().allMatch(c -> c.remainingMillis() == 0), "all clearings");
        assertFalse(others.stream().anyMatch(CompletableFuture::isDone), "not answered before it applied");
        outcomes.get(2).complete(new NoOpResponse(0));
        for (CompletableFuture<Long> f : others) assertEquals(60L, f.join());
        assertEquals(60L, lessor.renew(23, 0).join(), "cleared: the next keep-alive costs nothing");
        assertEquals(3, proposed.size());
        assertEquals(2, lessor.clearingsProposed());
    }

    @Test
    void aLeaseLongerThanTheIntervalIsCheckpointedEveryIntervalUntilItExpires() {
        lessor.checkpointInterval(Duration.ofSeconds(1));
        lead(lessor, 2);
        granted(9, 3);
        for (int i = 0; i < 2; i++) {
            advance(1.05);
            lessor.expireDue();
        }
        assertEquals(List.of(new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(9, 1_950))),
                        new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(9, 900)))),
                proposed, "also once less than an interval is left: a new leader never continues from an older one");
    }

    @Test
    void aNewCheckpointIntervalAppliesToLeasesAlreadyTracked() {
        lead(lessor, 2);
        granted(9, 60); // the default interval (5 minutes) is longer than its TTL: not checkpointed
        advance(1.1);
        lessor.expireDue();
        assertEquals(List.of(), proposed);
        lessor.checkpointInterval(Duration.ofSeconds(1));
        advance(1.1);
        lessor.expireDue();
        assertEquals(List.of(new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(9, 57_800)))),
                proposed);
    }

    @Test
    void aNewLeaderContinuesFromTheCheckpointPlusAnElectionTimeoutAndRestartsTheOthersInFull() {
        store.apply(++index, new LeaseGrantRequest(5, 600));
        store.apply(++index, new LeaseGrantRequest(6, 600));
        store.apply(++index, new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(5, 42_000))));
        lead(lessor, 3);
        assertEquals(43 * SECOND, lessor.remainingNanos(5).getAsLong(), "42 s recorded + 1 s election timeout");
        assertEquals(601 * SECOND, lessor.remainingNanos(6).getAsLong(), "no checkpoint: 600 s + 1 s");
        // The store still holds 42 s for lease 5: a keep-alive must clear it before it is answered.
        CompletableFuture<Long> renewed = lessor.renew(5, 0);
        assertFalse(renewed.isDone());
        assertEquals(List.of(new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(5, 0)))),
                proposed);
        outcomes.get(0).complete(new NoOpResponse(0));
        assertEquals(600L, renewed.join());
    }
}
