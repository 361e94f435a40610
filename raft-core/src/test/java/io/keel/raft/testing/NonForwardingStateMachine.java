package io.keel.raft.testing;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.Entry;
import io.keel.raft.runtime.StateMachine;

/**
 * A test {@link StateMachine} for drivers whose writes are proposed at the leader only
 * ({@code WriteOptions.LEADER_ONLY}): no write is ever forwarded, so nothing needs an origin tag. Data goes into the
 * log unchanged and no applied entry is recognised as a forwarded write of this member. Subclasses say only what
 * applying and installing a snapshot mean to them. (Published in raft-core's test jar for the other modules' tests.)
 *
 * @param <R> the result of applying one entry
 */
public abstract class NonForwardingStateMachine<R> implements StateMachine<R> {
    @Override
    public final ByteString tagOrigin(ByteString data, long member, long request) {
        return data;
    }

    @Override
    public final long originRequest(Entry entry, long member) {
        return -1;
    }
}
