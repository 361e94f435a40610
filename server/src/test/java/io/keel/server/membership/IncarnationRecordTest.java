package io.keel.server.membership;

import io.keel.raft.proto.ConfChange;
import io.keel.raft.proto.ConfChangeSingle;
import io.keel.raft.proto.ConfChangeType;
import io.keel.server.proto.MemberDirectoryRecord;
import io.keel.server.proto.MemberRecord;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 B: the member directory records the incarnation each member joined with (the first one committed), and
 * the handshake's check refuses any other.
 */
class IncarnationRecordTest {
    private static final MemberDirectory THREE = MemberDirectory.EMPTY.withConfChange(ConfChange.newBuilder()
            .addChanges(add(1)).addChanges(add(2)).addChanges(add(3)).build());

    @Test
    void theFirstIncarnationCommittedIsTheOneRecorded() {
        MemberDirectory d = THREE.withIncarnation(2, 0x22);
        assertEquals(0x22, d.get(2).incarnation());
        // A later publication under the same id comes from another data directory: it must not take the place.
        assertSame(d, d.withIncarnation(2, 0x99));
        assertSame(d, d.withIncarnation(2, 0x22), "applying it twice changes nothing");
        assertSame(d, d.withIncarnation(7, 0x77), "not a member");
        assertSame(d, d.withIncarnation(3, 0), "0 is none");
        assertEquals(0, d.get(3).incarnation());
    }

    @Test
    void theIncarnationTravelsInTheClusterRecordAndAnOldRecordHasNone() throws Exception {
        MemberDirectory d = THREE.withIncarnation(1, -5L).withIncarnation(3, 0x33);
        MemberDirectory decoded = MemberDirectory.decode(d.encode());
        assertEquals(d, decoded);
        assertEquals(-5L, decoded.get(1).incarnation());
        // A record written by the version before incarnations: every member publishes its own once it runs.
        byte[] old = MemberDirectoryRecord.newBuilder().addMembers(MemberRecord.newBuilder().setId(1)).build().toByteArray();
        assertEquals(0, MemberDirectory.decode(old).get(1).incarnation());
        // Conf changes keep what was recorded (a promotion rewrites the learner flag only).
        MemberDirectory promoted = d.withConfChange(ConfChange.newBuilder().addChanges(ConfChangeSingle.newBuilder()
                .setType(ConfChangeType.ADD_VOTER).setMemberId(3)).build());
        assertEquals(0x33, promoted.get(3).incarnation());
    }

    @Test
    void theHandshakeAcceptsOnlyTheRecordedIncarnation() {
        AtomicReference<MemberDirectory> directory = new AtomicReference<>(THREE.withIncarnation(2, 0x22));
        IncarnationCheck check = new IncarnationCheck(directory::get);
        assertNull(check.refusal(2, 0x22));
        String wiped = check.refusal(2, 0x23);
        assertTrue(wiped.startsWith("member 2 runs on a data directory of incarnation 23, but the cluster knows it as"
                + " incarnation 22: its data directory is not the one it joined with"), wiped);
        assertTrue(wiped.contains("remove it (etcdctl member remove 2) and add it back as a new member (etcdctl member"
                + " add <name> --peer-urls="), wiped);
        assertTrue(check.refusal(2, 0).contains("declares no incarnation"));
        assertNull(check.refusal(9, 0x99), "not in this member's directory (yet): nothing to compare with");

        directory.set(directory.get().withConfChange(ConfChange.newBuilder().addChanges(ConfChangeSingle.newBuilder()
                .setType(ConfChangeType.REMOVE_MEMBER).setMemberId(2)).build()));
        assertTrue(check.refusal(2, 0x22).contains("was removed from the cluster"));
    }

    @Test
    void beforeTheDirectoryRecordsOneAMemberIsHeldToTheFirstItDeclared() {
        IncarnationCheck check = new IncarnationCheck(() -> THREE);
        assertNull(check.refusal(3, 0x31));
        assertNull(check.refusal(3, 0x31));
        String changed = check.refusal(3, 0x32);
        assertTrue(changed.contains("member 3 declares incarnation 32, but declared 31 to this member before the"
                + " cluster recorded one"), changed);
    }

    private static ConfChangeSingle add(long id) {
        return ConfChangeSingle.newBuilder().setType(ConfChangeType.ADD_VOTER).setMemberId(id).build();
    }
}
