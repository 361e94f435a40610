package io.keel.server.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.keel.server.Keel;
import io.keel.server.auth.AuthError;
import io.keel.server.auth.AuthException;
import io.keel.server.auth.AuthState;
import io.keel.server.etcd.proto.AuthEnableRequest;
import io.keel.server.etcd.proto.AuthEnableResponse;
import io.keel.server.etcd.proto.AuthDisableRequest;
import io.keel.server.etcd.proto.AuthDisableResponse;
import io.keel.server.etcd.proto.AuthGrpc;
import io.keel.server.etcd.proto.AuthRoleAddRequest;
import io.keel.server.etcd.proto.AuthRoleAddResponse;
import io.keel.server.etcd.proto.AuthRoleDeleteRequest;
import io.keel.server.etcd.proto.AuthRoleDeleteResponse;
import io.keel.server.etcd.proto.AuthRoleGetRequest;
import io.keel.server.etcd.proto.AuthRoleGetResponse;
import io.keel.server.etcd.proto.AuthRoleGrantPermissionRequest;
import io.keel.server.etcd.proto.AuthRoleGrantPermissionResponse;
import io.keel.server.etcd.proto.AuthRoleListRequest;
import io.keel.server.etcd.proto.AuthRoleListResponse;
import io.keel.server.etcd.proto.AuthRoleRevokePermissionRequest;
import io.keel.server.etcd.proto.AuthRoleRevokePermissionResponse;
import io.keel.server.etcd.proto.AuthUserAddRequest;
import io.keel.server.etcd.proto.AuthUserAddResponse;
import io.keel.server.etcd.proto.AuthUserChangePasswordRequest;
import io.keel.server.etcd.proto.AuthUserChangePasswordResponse;
import io.keel.server.etcd.proto.AuthUserDeleteRequest;
import io.keel.server.etcd.proto.AuthUserDeleteResponse;
import io.keel.server.etcd.proto.AuthUserGetRequest;
import io.keel.server.etcd.proto.AuthUserGetResponse;
import io.keel.server.etcd.proto.AuthUserGrantRoleRequest;
import io.keel.server.etcd.proto.AuthUserGrantRoleResponse;
import io.keel.server.etcd.proto.AuthUserListRequest;
import io.keel.server.etcd.proto.AuthUserListResponse;
import io.keel.server.etcd.proto.AuthUserRevokeRoleRequest;
import io.keel.server.etcd.proto.AuthUserRevokeRoleResponse;
import io.keel.server.etcd.proto.AuthenticateRequest;
import io.keel.server.etcd.proto.AuthenticateResponse;
import io.keel.server.etcd.proto.auth.Role;
import io.keel.server.etcd.proto.auth.User;
import io.keel.server.proto.AuthDisableChange;
import io.keel.server.proto.AuthEnableChange;
import io.keel.server.proto.AuthOp;
import io.keel.server.proto.RoleAddChange;
import io.keel.server.proto.RoleDeleteChange;
import io.keel.server.proto.RoleGrantPermissionChange;
import io.keel.server.proto.RoleRevokePermissionChange;
import io.keel.server.proto.UserDeleteChange;
import io.keel.server.proto.UserGrantRoleChange;
import io.keel.server.proto.UserRevokeRoleChange;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * etcd's Auth service. Changes go through Raft and are checked (who may make them, and etcd's rules) when they
 * apply, so every member agrees; reads (UserGet, UserList, RoleGet, RoleList) are linearizable, as etcd serves
 * them through Raft. Who is calling comes from {@link AuthInterceptor}.
 */
final class AuthService extends AuthGrpc.AuthImplBase {
    private final Keel keel;
    private final EtcdGrpcServer.Headers headers;
    private final Executor executor;
    private final int maxRequestBytes;

    AuthService(Keel keel, EtcdGrpcServer.Headers headers, Executor executor, int maxRequestBytes) {
        this.keel = keel;
        this.headers = headers;
        this.executor = executor;
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setEnable(
                AuthEnableChange.getDefaultInstance()), h -> AuthEnableResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setDisable(
                AuthDisableChange.getDefaultInstance()), h -> AuthDisableResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> observer) {
        answer(observer, request.getSerializedSize(),
                () -> keel.auth().authenticate(request.getName(), request.getPassword(), executor),
                token -> AuthenticateResponse.newBuilder().setHeader(headers.now()).setToken(token).build());
    }

    @Override
    public void userAdd(AuthUserAddRequest request, StreamObserver<AuthUserAddResponse> observer) {
        String caller = AuthInterceptor.caller();
        answer(observer, request.getSerializedSize(),
                // bcrypt is slow on purpose: hashed on this service's threads, not the transport's, and only for a
                // caller who may add users (checked again when the entry applies).
                () -> CompletableFuture.runAsync(() -> keel.auth().state().checkAdmin(caller), executor)
                        .thenApplyAsync(v -> keel.auth().userAdd(caller, request.getName(),
                        request.getPassword(), request.getOptions().getNoPassword()), executor)
                        .thenCompose(f -> f),
                v -> AuthUserAddResponse.newBuilder().setHeader(headers.now()).build());
    }

    @Override
    public void userGet(AuthUserGetRequest request, StreamObserver<AuthUserGetResponse> observer) {
        String caller = AuthInterceptor.caller();
        read(observer, request.getSerializedSize(), s -> {
            // etcd: an admin, or the user itself.
            if (!request.getName().equals(caller)) s.checkAdmin(caller);
            User u = s.user(request.getName());
            if (u == null) throw new AuthException(AuthError.USER_NOT_FOUND);
            return AuthUserGetResponse.newBuilder().setHeader(headers.now()).addAllRoles(u.getRolesList()).build();
        });
    }

    @Override
    public void userList(AuthUserListRequest request, StreamObserver<AuthUserListResponse> observer) {
        String caller = AuthInterceptor.caller();
        read(observer, request.getSerializedSize(), s -> {
            s.checkAdmin(caller);
            return AuthUserListResponse.newBuilder().setHeader(headers.now()).addAllUsers(s.userNames()).build();
        });
    }

    @Override
    public void userDelete(AuthUserDeleteRequest request, StreamObserver<AuthUserDeleteResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setUserDelete(
                UserDeleteChange.newBuilder().setName(request.getName())),
                h -> AuthUserDeleteResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void userChangePassword(AuthUserChangePasswordRequest request,
                                   StreamObserver<AuthUserChangePasswordResponse> observer) {
        String caller = AuthInterceptor.caller();
        answer(observer, request.getSerializedSize(),
                () -> CompletableFuture.runAsync(() -> keel.auth().state().checkAdmin(caller), executor)
                        .thenApplyAsync(v -> keel.auth().changePassword(caller, request.getName(),
                                request.getPassword()), executor).thenCompose(f -> f),
                v -> AuthUserChangePasswordResponse.newBuilder().setHeader(headers.now()).build());
    }

    @Override
    public void userGrantRole(AuthUserGrantRoleRequest request, StreamObserver<AuthUserGrantRoleResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setUserGrantRole(
                UserGrantRoleChange.newBuilder().setUser(request.getUser()).setRole(request.getRole())),
                h -> AuthUserGrantRoleResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void userRevokeRole(AuthUserRevokeRoleRequest request,
                               StreamObserver<AuthUserRevokeRoleResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setUserRevokeRole(
                UserRevokeRoleChange.newBuilder().setName(request.getName()).setRole(request.getRole())),
                h -> AuthUserRevokeRoleResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void roleAdd(AuthRoleAddRequest request, StreamObserver<AuthRoleAddResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setRoleAdd(
                RoleAddChange.newBuilder().setName(request.getName())),
                h -> AuthRoleAddResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void roleGet(AuthRoleGetRequest request, StreamObserver<AuthRoleGetResponse> observer) {
        String caller = AuthInterceptor.caller();
        read(observer, request.getSerializedSize(), s -> {
            // etcd: an admin, or a user holding the role.
            if (!s.hasRole(caller, request.getRole())) s.checkAdmin(caller);
            Role r = s.role(request.getRole());
            if (r == null) throw new AuthException(AuthError.ROLE_NOT_FOUND);
            return AuthRoleGetResponse.newBuilder().setHeader(headers.now()).addAllPerm(r.getKeyPermissionList())
                    .build();
        });
    }

    @Override
    public void roleList(AuthRoleListRequest request, StreamObserver<AuthRoleListResponse> observer) {
        String caller = AuthInterceptor.caller();
        read(observer, request.getSerializedSize(), s -> {
            s.checkAdmin(caller);
            return AuthRoleListResponse.newBuilder().setHeader(headers.now()).addAllRoles(s.roleNames()).build();
        });
    }

    @Override
    public void roleDelete(AuthRoleDeleteRequest request, StreamObserver<AuthRoleDeleteResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setRoleDelete(
                RoleDeleteChange.newBuilder().setRole(request.getRole())),
                h -> AuthRoleDeleteResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void roleGrantPermission(AuthRoleGrantPermissionRequest request,
                                    StreamObserver<AuthRoleGrantPermissionResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setRoleGrantPermission(
                RoleGrantPermissionChange.newBuilder().setName(request.getName()).setPerm(request.getPerm())),
                h -> AuthRoleGrantPermissionResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void roleRevokePermission(AuthRoleRevokePermissionRequest request,
                                     StreamObserver<AuthRoleRevokePermissionResponse> observer) {
        change(observer, request.getSerializedSize(), () -> AuthOp.newBuilder().setRoleRevokePermission(
                RoleRevokePermissionChange.newBuilder().setRole(request.getRole()).setKey(request.getKey())
                        .setRangeEnd(request.getRangeEnd())),
                h -> AuthRoleRevokePermissionResponse.newBuilder().setHeader(h).build());
    }

    /** Proposes a change asked by the current caller; answers once applied here. */
    private <T> void change(StreamObserver<T> observer, int requestBytes, Supplier<AuthOp.Builder> op,
                            Function<io.keel.server.etcd.proto.ResponseHeader, T> response) {
        String caller = AuthInterceptor.caller();
        answer(observer, requestBytes, () -> {
            EtcdGrpcServer.refuseWriteWithoutLeader(keel);
            return keel.auth().change(caller, op.get());
        }, v -> response.apply(headers.now()));
    }

    /** Answers from the auth state as of a linearizable read. */
    private <T> void read(StreamObserver<T> observer, int requestBytes, Function<AuthState, T> response) {
        answer(observer, requestBytes, () -> keel.auth().readState(), response);
    }

    private <R, T> void answer(StreamObserver<T> observer, int requestBytes, Supplier<CompletableFuture<R>> call,
                               Function<R, T> response) {
        EtcdGrpcServer.answerAsync(keel, observer, executor, () -> {
            if (requestBytes > maxRequestBytes) {
                throw new EtcdStatus.Refused(Status.INVALID_ARGUMENT, EtcdStatus.TOO_LARGE);
            }
            return call.get();
        }, response);
    }
}
