package io.keel.server.auth;

import io.keel.raft.proto.Entry;
import io.keel.server.proto.AuthOp;
import io.keel.server.proto.ClientOp;
import io.keel.storage.mvcc.api.AuthRecordWrite;
import io.keel.storage.mvcc.api.NoOp;
import io.keel.storage.mvcc.api.Operation;

import java.util.HashMap;
import java.util.Map;

/**
 * The auth state on the apply thread: turns each committed auth entry into a write of the store's auth record in
 * the same apply batch (so the state is durable with the applied index and travels with store snapshots), or, when
 * etcd's rules refuse the change, into nothing and a refusal for the proposer. Publishes the new state once the
 * batch is applied, before any proposal waiting for it is answered.
 */
public final class AuthApplier {
    private final SimpleTokens tokens;
    private AuthState working; // apply thread: as of the last entry translated
    private volatile AuthState published; // as of the last applied batch
    private boolean changed; // apply thread
    private final Map<Long, AuthException> refusals = new HashMap<>(); // apply thread: this batch's, by index

    public AuthApplier(AuthState initial, SimpleTokens tokens) {
        this.working = initial;
        this.published = initial;
        this.tokens = tokens;
    }

    /** The auth state as of the last applied batch (or installed snapshot). */
    public AuthState current() {
        return published;
    }

    public SimpleTokens tokens() {
        return tokens;
    }

    /**
     * Apply thread: the store operation for entry {@code e} if it is an auth entry, else null. Entries the store
     * already applied (handed out again after a restart) leave the state alone: it was loaded with their effect.
     */
    public Operation operation(Entry e, ClientOp client, long storeApplied) {
        if (client == null || client.getOpCase() != ClientOp.OpCase.AUTH) return null;
        if (e.getIndex() <= storeApplied) return NoOp.INSTANCE;
        AuthOp op = client.getAuth();
        AuthState next;
        try {
            next = working.apply(op);
        } catch (AuthException refused) {
            refusals.put(e.getIndex(), refused);
            return NoOp.INSTANCE;
        }
        switch (op.getChangeCase()) {
            case AUTHENTICATE -> {
                // Empty with jwt tokens: those are signed by the member that answers, nothing to learn here.
                if (!op.getAuthenticate().getSimpleToken().isEmpty()) {
                    tokens.assign(op.getAuthenticate().getSimpleToken(), e.getIndex(), op.getAuthenticate().getName());
                }
            }
            // etcd's invalidateUser: the user's tokens die with its password or itself.
            case USER_DELETE -> tokens.invalidateUser(op.getUserDelete().getName());
            case USER_CHANGE_PASSWORD -> tokens.invalidateUser(op.getUserChangePassword().getName());
            case DISABLE -> tokens.clear();
            default -> {
            }
        }
        if (next == working) return NoOp.INSTANCE;
        working = next;
        changed = true;
        return new AuthRecordWrite(next.encode());
    }

    /** Apply thread: the refusal of the auth entry at {@code index} in the batch just applied, or null. */
    public AuthException refusal(long index) {
        return refusals.isEmpty() ? null : refusals.remove(index);
    }

    /** Apply thread: the batch whose entries were translated is applied. */
    public void applied() {
        if (!changed) return;
        changed = false;
        published = working;
    }

    /** Apply thread: a snapshot replaced the store; its auth record is the state now. */
    public void reloaded(AuthState fromStore) {
        working = fromStore;
        published = fromStore;
        changed = false;
        refusals.clear();
        if (!fromStore.enabled()) tokens.clear();
    }
}
