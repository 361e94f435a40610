package io.keel.raft.runtime;

import io.keel.raft.ProposeResult;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The node's refusal reasons as the runtime's kinds: one kind per reason, so a driver tells a membership change to
 * retry later (another one is pending) from one that will never be allowed (the server answers them differently:
 * etcd's clients retry the first only), and the leader hint and message survive.
 */
class RefusalTest {
    @Test
    void everyReasonHasAKindOfItsOwnAndKeepsTheHintAndMessage() {
        Map<ProposeResult.Reason, Refusal.Kind> expected = new EnumMap<>(Map.of(
                ProposeResult.Reason.NOT_LEADER, Refusal.Kind.NOT_LEADER,
                ProposeResult.Reason.LEADERSHIP_TRANSFER, Refusal.Kind.LEADERSHIP_TRANSFER,
                ProposeResult.Reason.OVERLOADED, Refusal.Kind.OVERLOADED,
                ProposeResult.Reason.TOO_LARGE, Refusal.Kind.TOO_LARGE,
                ProposeResult.Reason.CONF_CHANGE_PENDING, Refusal.Kind.CONF_CHANGE_PENDING,
                ProposeResult.Reason.INVALID_CONF_CHANGE, Refusal.Kind.INVALID_CONF_CHANGE));
        assertEquals(ProposeResult.Reason.values().length, expected.size(), "a reason without an expected kind");
        for (ProposeResult.Reason reason : ProposeResult.Reason.values()) {
            Refusal r = Refusal.of(new ProposeResult.Refused(reason, 3, "why " + reason));
            assertEquals(expected.get(reason), r.kind(), reason.toString());
            assertEquals(3, r.leaderHint());
            assertEquals("why " + reason, r.getMessage());
            assertFalse(r.kind().mayHaveApplied(), "a refused proposal was never appended");
        }
    }
}
