package io.keel.server.grpc;

import io.keel.server.Keel;
import io.keel.server.auth.AuthState;
import io.keel.server.etcd.proto.Compare;
import io.keel.server.etcd.proto.DeleteRangeRequest;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RequestOp;
import io.keel.server.etcd.proto.TxnRequest;
import io.keel.server.etcd.proto.WatchCreateRequest;
import io.keel.server.etcd.proto.auth.Permission;

import io.grpc.Context;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every permission check of the etcd API in one place, etcd's rules: what the caller of the current call
 * ({@link AuthInterceptor#caller()}) may do, against this member's applied auth state. Each check throws
 * {@link io.keel.server.auth.AuthException} with etcd's error, or returns. With authentication off every check
 * passes.
 *
 * <p>Checked at the member serving the request, before it is started, after a linearizable read of the auth state
 * ({@link #afterCheck}); etcd checks writes again when applying them, so here a write checked just before a
 * concurrent revoke commits may still apply.
 */
final class AuthGuard {
    private static final byte[] NONE = new byte[0];
    private final Keel keel;

    AuthGuard(Keel keel) {
        this.keel = keel;
    }

    private AuthState state() {
        return keel.auth().state();
    }

    private void read(AuthState s, com.google.protobuf.ByteString key, com.google.protobuf.ByteString rangeEnd) {
        s.checkKeys(AuthInterceptor.caller(), AuthInterceptor.callerRevision(), key.toByteArray(),
                rangeEnd.toByteArray(), Permission.Type.READ);
    }

    private void write(AuthState s, com.google.protobuf.ByteString key, com.google.protobuf.ByteString rangeEnd) {
        s.checkKeys(AuthInterceptor.caller(), AuthInterceptor.callerRevision(), key.toByteArray(),
                rangeEnd.toByteArray(), Permission.Type.WRITE);
    }

    /**
     * Starts {@code call} once {@code check} passed. With authentication off, at once. On: a serializable request is
     * checked against this member's auth state as it is; any other first waits for a linearizable read of the auth
     * state, so a change answered at any member before this request arrived (a revoked role, a new password) is
     * applied here before the check, then is checked (in the call's gRPC context: who calls) and started.
     */
    <R> CompletableFuture<R> afterCheck(boolean serializable, Consumer<AuthState> check,
                                        Supplier<CompletableFuture<R>> call) {
        AuthState now = state();
        if (!now.enabled() || serializable) {
            check.accept(now);
            return call.get();
        }
        Context context = Context.current();
        return keel.auth().readState().thenCompose(s -> {
            Context previous = context.attach();
            try {
                check.accept(s);
                return call.get();
            } finally {
                context.detach(previous);
            }
        });
    }

    void range(AuthState s, RangeRequest r) {
        if (!s.enabled()) return;
        read(s, r.getKey(), r.getRangeEnd());
    }

    void put(AuthState s, PutRequest r) {
        if (!s.enabled()) return;
        putChecked(s, r);
    }

    private void putChecked(AuthState s, PutRequest r) {
        write(s, r.getKey(), com.google.protobuf.ByteString.EMPTY);
        // A lease whose keys this user may not write must not get more keys: the user could not revoke it.
        if (r.getLease() != 0) leaseKeys(s, r.getLease());
        if (r.getPrevKv()) read(s, r.getKey(), com.google.protobuf.ByteString.EMPTY);
    }

    void deleteRange(AuthState s, DeleteRangeRequest r) {
        if (!s.enabled()) return;
        deleteChecked(s, r);
    }

    private void deleteChecked(AuthState s, DeleteRangeRequest r) {
        if (r.getPrevKv()) read(s, r.getKey(), r.getRangeEnd());
        write(s, r.getKey(), r.getRangeEnd());
    }

    /** Every compare and every operation of both branches, nested transactions included. */
    void txn(AuthState s, TxnRequest r) {
        if (!s.enabled()) return;
        txnChecked(s, r);
    }

    private void txnChecked(AuthState s, TxnRequest r) {
        for (Compare c : r.getCompareList()) read(s, c.getKey(), c.getRangeEnd());
        ops(s, r.getSuccessList());
        ops(s, r.getFailureList());
    }

    private void ops(AuthState s, List<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> read(s, op.getRequestRange().getKey(), op.getRequestRange().getRangeEnd());
                case REQUEST_PUT -> putChecked(s, op.getRequestPut());
                case REQUEST_DELETE_RANGE -> deleteChecked(s, op.getRequestDeleteRange());
                case REQUEST_TXN -> txnChecked(s, op.getRequestTxn());
                default -> {
                }
            }
        }
    }

    /**
     * Why the caller may not create this watch (etcd's cancel reason: the error's text), or null. etcd answers
     * such a request created and canceled rather than ending the stream.
     */
    String watchRefusal(WatchCreateRequest r) {
        AuthState s = state();
        if (!s.enabled()) return null;
        try {
            read(s, r.getKey(), r.getRangeEnd()); // a stream whose token is not valid: that refusal
            return null;
        } catch (io.keel.server.auth.AuthException e) {
            return e.getMessage();
        }
    }

    /** Revoking a lease deletes its keys: the caller must be allowed to write each of them. */
    void leaseRevoke(long id) {
        AuthState s = state();
        if (!s.enabled()) return;
        leaseKeys(s, id);
    }

    private void leaseKeys(AuthState s, long lease) {
        for (byte[] key : keel.auth().leaseKeys(lease)) {
            s.checkKeys(AuthInterceptor.caller(), AuthInterceptor.callerRevision(), key, NONE, Permission.Type.WRITE);
        }
    }

    /** Maintenance's admin RPCs (defragment, snapshot, hash): the root role only, while authentication is on. */
    void admin() {
        state().checkAdmin(AuthInterceptor.caller());
    }
}
