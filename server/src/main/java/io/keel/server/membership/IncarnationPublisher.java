package io.keel.server.membership;

import io.keel.server.member.Member;
import io.keel.server.proto.ClientOp;
import io.keel.server.proto.MemberIncarnationOp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;

/**
 * Publishes the incarnation of this member's data directory to the member directory, as etcd publishes a member's
 * attributes when it starts: once the member is in its own directory with no incarnation recorded and knows a
 * leader, it proposes "member X has incarnation I" (one proposal at a time, again until the directory shows one).
 * The directory keeps the first one committed, which is the one its peers then hold it to ({@link IncarnationCheck}).
 *
 * <p>Its own record showing another incarnation means this member runs on a data directory the cluster does not
 * know for it (its Raft log was wiped or replaced): its peers refuse it; it says so once, loudly.
 */
final class IncarnationPublisher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(IncarnationPublisher.class);

    private final Member member;
    private CompletableFuture<?> publishing; // announcer thread
    private boolean reportedForeign; // announcer thread

    IncarnationPublisher(Member member) {
        this.member = member;
    }

    /** Announcer thread, every round. */
    @Override
    public void run() {
        try {
            if (publishing != null && !publishing.isDone()) return;
            MemberInfo me = member.directory().get(member.id());
            if (me == null || member.state().leaderId() == 0) return;
            if (me.incarnation() != 0) {
                if (me.incarnation() != member.incarnation() && !reportedForeign) {
                    reportedForeign = true;
                    LOG.error("member {} runs on data directory {} of incarnation {}, but the cluster knows it as"
                                    + " incarnation {}: its peers refuse it; remove it and add it back as a new member",
                            Long.toHexString(member.id()), member.dataDir(), Long.toHexString(member.incarnation()),
                            Long.toHexString(me.incarnation()));
                }
                return;
            }
            ClientOp op = ClientOp.newBuilder().setMemberIncarnation(MemberIncarnationOp.newBuilder()
                    .setId(member.id()).setIncarnation(member.incarnation())).build();
            publishing = member.proposeData(op.toByteString());
        } catch (RuntimeException e) {
            // Stopped, or no leader yet: the next round tries again.
            LOG.debug("member {} could not publish its incarnation yet: {}", Long.toHexString(member.id()), e.toString());
        }
    }
}
