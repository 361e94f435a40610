package io.keel.raft.quorum;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Randomized cross-checks of the quorum arithmetic against brute-force definitions, with a fixed seed so a
 * failure is reproducible.
 */
class QuorumPropertyTest {
    private static final long SEED = 0x6b65656cL;

    /** The largest v such that a strict majority of {@code ids} has a value >= v (brute force). */
    private static long bruteForceQuorumValue(List<Long> ids, Map<Long, Long> values) {
        long best = 0;
        for (long candidate : values.values()) {
            long count = ids.stream().filter(id -> values.get(id) >= candidate).count();
            if (count > ids.size() / 2 && candidate > best) best = candidate;
        }
        return best;
    }

    private static List<Long> randomIds(Random rnd, int n, int universe) {
        List<Long> pool = new ArrayList<>();
        for (long i = 1; i <= universe; i++) pool.add(i);
        java.util.Collections.shuffle(pool, rnd);
        return new ArrayList<>(pool.subList(0, n));
    }

    @Test
    void majorityQuorumValueIsLargestValueReachedByAMajority() {
        Random rnd = new Random(SEED);
        for (int iter = 0; iter < 5000; iter++) {
            int n = 1 + rnd.nextInt(9);
            List<Long> ids = randomIds(rnd, n, 12);
            Map<Long, Long> values = new HashMap<>();
            // Small range so ties are frequent.
            for (long id : ids) values.put(id, (long) rnd.nextInt(iter % 2 == 0 ? 5 : 1000));
            long expected = bruteForceQuorumValue(ids, values);
            long actual = MajorityQuorum.of(ids).quorumValue(values::get);
            assertEquals(expected, actual, "iteration " + iter + " ids=" + ids + " values=" + values);

            // The defining property, stated directly: a majority has >= actual, no majority has >= actual + 1.
            long atLeast = ids.stream().filter(id -> values.get(id) >= actual).count();
            long above = ids.stream().filter(id -> values.get(id) >= actual + 1).count();
            assertEquals(true, atLeast > n / 2, "no majority at " + actual);
            assertEquals(true, above <= n / 2, "a majority also reaches " + (actual + 1));
        }
    }

    @Test
    void jointQuorumValueIsLargestValueReachedByAMajorityOfEachHalf() {
        Random rnd = new Random(SEED + 1);
        for (int iter = 0; iter < 3000; iter++) {
            List<Long> in = randomIds(rnd, 1 + rnd.nextInt(7), 9);
            List<Long> out = rnd.nextInt(4) == 0 ? List.of() : randomIds(rnd, 1 + rnd.nextInt(7), 9);
            Map<Long, Long> values = new HashMap<>();
            for (long id = 1; id <= 9; id++) values.put(id, (long) rnd.nextInt(20));
            JointQuorum q = new JointQuorum(MajorityQuorum.of(in), MajorityQuorum.of(out));
            long expected = 0;
            for (long v = 0; v < 20; v++) {
                final long candidate = v;
                boolean inOk = in.stream().filter(id -> values.get(id) >= candidate).count() > in.size() / 2;
                boolean outOk = out.isEmpty()
                        || out.stream().filter(id -> values.get(id) >= candidate).count() > out.size() / 2;
                if (inOk && outOk) expected = v;
            }
            assertEquals(expected, q.quorumValue(values::get), "in=" + in + " out=" + out + " values=" + values);
        }
    }

    @Test
    void anElectionsResultIsWhatCountingTheVotesSays() {
        Random rnd = new Random(SEED + 2);
        MajorityQuorum.Vote[] kinds = MajorityQuorum.Vote.values();
        for (int iter = 0; iter < 5000; iter++) {
            int n = 1 + rnd.nextInt(9);
            List<Long> ids = randomIds(rnd, n, 12);
            Map<Long, MajorityQuorum.Vote> votes = new HashMap<>();
            for (long id : ids) votes.put(id, kinds[rnd.nextInt(kinds.length)]);
            long granted = votes.values().stream().filter(v -> v == MajorityQuorum.Vote.GRANTED).count();
            long rejected = votes.values().stream().filter(v -> v == MajorityQuorum.Vote.REJECTED).count();
            VoteResult expected;
            if (granted > n / 2) {
                expected = VoteResult.WON;
            } else if (rejected >= n - n / 2) {
                // Even if every missing voter granted, granted could not exceed n/2.
                expected = VoteResult.LOST;
            } else {
                expected = VoteResult.PENDING;
            }
            assertEquals(expected, MajorityQuorum.of(ids).voteResult(votes::get), "votes=" + votes);
        }
    }
}
