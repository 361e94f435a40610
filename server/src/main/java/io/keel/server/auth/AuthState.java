package io.keel.server.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keel.server.etcd.proto.auth.Permission;
import io.keel.server.etcd.proto.auth.Role;
import io.keel.server.etcd.proto.auth.User;
import io.keel.server.etcd.proto.auth.UserAddOptions;
import io.keel.server.proto.AuthOp;
import io.keel.server.proto.AuthStateRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated auth state, immutable: whether authentication is on, the auth revision (raised by every change,
 * so a token issued before a change can be told apart), the users and the roles. {@link #apply} is etcd's auth
 * store rules for one change; it runs on the apply thread, so every member accepts and refuses the same changes.
 */
public final class AuthState {
    public static final String ROOT = "root";

    /** The state of a store that never had an auth change: authentication off, nobody. */
    public static final AuthState EMPTY = new AuthState(false, 0, new TreeMap<>(), new TreeMap<>());

    private final boolean enabled;
    private final long revision;
    private final TreeMap<String, User> users;
    private final TreeMap<String, Role> roles;
    private final Map<String, UserPermissions> permissions; // by user, computed once per state

    private AuthState(boolean enabled, long revision, TreeMap<String, User> users, TreeMap<String, Role> roles) {
        this.enabled = enabled;
        this.revision = revision;
        this.users = users;
        this.roles = roles;
        this.permissions = new TreeMap<>();
        for (Map.Entry<String, User> u : users.entrySet()) {
            permissions.put(u.getKey(), UserPermissions.of(u.getValue(), roles));
        }
    }

    public boolean enabled() {
        return enabled;
    }

    public long revision() {
        return revision;
    }

    public User user(String name) {
        return users.get(name);
    }

    public Role role(String name) {
        return roles.get(name);
    }

    public List<String> userNames() {
        return List.copyOf(users.keySet());
    }

    public List<String> roleNames() {
        return List.copyOf(roles.keySet());
    }

    static boolean hasRootRole(User u) {
        return u.getRolesList().contains(ROOT);
    }

    /**
     * etcd's IsAdminPermitted: with authentication on, only a user holding the root role may manage users and
     * roles (and use Maintenance's admin RPCs). Off: anyone.
     */
    public void checkAdmin(String user) {
        if (!enabled) return;
        if (user == null || user.isEmpty()) throw new AuthException(AuthError.USER_EMPTY);
        User u = users.get(user);
        if (u == null) throw new AuthException(AuthError.USER_NOT_FOUND);
        if (!hasRootRole(u)) throw new AuthException(AuthError.PERMISSION_DENIED);
    }

    /**
     * etcd's isOpPermitted for {@code user} (null: no credentials): a single key when {@code rangeEnd} is empty,
     * else the whole range must be covered. The root role may do anything.
     */
    public void checkKeys(String user, byte[] key, byte[] rangeEnd, Permission.Type type) {
        checkKeys(user, 0, key, rangeEnd, type);
    }

    /**
     * As above, for credentials issued at auth revision {@code tokenRevision} (0: always current): older than this
     * state, they are refused with etcd's {@code revision of auth store is old} (a JWT from before a change).
     */
    public void checkKeys(String user, long tokenRevision, byte[] key, byte[] rangeEnd, Permission.Type type) {
        if (!enabled) return;
        if (user == null || user.isEmpty()) throw new AuthException(AuthError.USER_EMPTY);
        if (tokenRevision != 0 && tokenRevision < revision) throw new AuthException(AuthError.AUTH_OLD_REVISION);
        UserPermissions p = permissions.get(user);
        if (p == null || !p.permits(key, rangeEnd, type)) throw new AuthException(AuthError.PERMISSION_DENIED);
    }

    /** Whether {@code user} holds {@code role} (a user may read the roles it holds). */
    public boolean hasRole(String user, String role) {
        User u = user == null ? null : users.get(user);
        return u != null && u.getRolesList().contains(role);
    }

    /**
     * The state after {@code op}, or {@link AuthException} with etcd's refusal (this state unchanged). The same
     * state if the op changes nothing (enabling twice, granting a role held already).
     */
    public AuthState apply(AuthOp op) {
        switch (op.getChangeCase()) {
            case ENABLE, DISABLE, USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE, USER_REVOKE_ROLE,
                    ROLE_ADD, ROLE_DELETE, ROLE_GRANT_PERMISSION, ROLE_REVOKE_PERMISSION -> checkAdmin(op.getUser());
            default -> {
            }
        }
        return switch (op.getChangeCase()) {
            case ENABLE -> enable();
            case DISABLE -> enabled ? new AuthState(false, revision + 1, users, roles) : this;
            case AUTHENTICATE -> authenticate(op.getAuthenticate().getName());
            case USER_ADD -> userAdd(op.getUserAdd());
            case USER_DELETE -> userDelete(op.getUserDelete().getName());
            case USER_CHANGE_PASSWORD -> changePassword(op.getUserChangePassword());
            case USER_GRANT_ROLE -> grantRole(op.getUserGrantRole().getUser(), op.getUserGrantRole().getRole());
            case USER_REVOKE_ROLE -> revokeRole(op.getUserRevokeRole().getName(), op.getUserRevokeRole().getRole());
            case ROLE_ADD -> roleAdd(op.getRoleAdd().getName());
            case ROLE_DELETE -> roleDelete(op.getRoleDelete().getRole());
            case ROLE_GRANT_PERMISSION -> grantPermission(op.getRoleGrantPermission().getName(),
                    op.getRoleGrantPermission().getPerm());
            case ROLE_REVOKE_PERMISSION -> revokePermission(op.getRoleRevokePermission());
            case CHANGE_NOT_SET -> throw new IllegalStateException("an auth entry without a change (written by a"
                    + " newer Keel?)");
        };
    }

    private AuthState enable() {
        if (enabled) return this;
        User root = users.get(ROOT);
        if (root == null) throw new AuthException(AuthError.ROOT_USER_NOT_EXIST);
        if (!hasRootRole(root)) throw new AuthException(AuthError.ROOT_ROLE_NOT_EXIST);
        return new AuthState(true, revision, users, roles); // etcd does not raise the revision here
    }

    /** Apply-time part of Authenticate: the password was checked by the proposer; the user must still exist. */
    private AuthState authenticate(String name) {
        if (!enabled) throw new AuthException(AuthError.AUTH_NOT_ENABLED);
        User u = users.get(name);
        if (u == null || u.getOptions().getNoPassword()) throw new AuthException(AuthError.AUTH_FAILED);
        return this;
    }

    private AuthState userAdd(io.keel.server.proto.UserAddChange c) {
        if (c.getName().isEmpty()) throw new AuthException(AuthError.USER_EMPTY);
        if (users.containsKey(c.getName())) throw new AuthException(AuthError.USER_ALREADY_EXIST);
        User u = User.newBuilder().setName(ByteString.copyFromUtf8(c.getName()))
                .setPassword(c.getNoPassword() ? ByteString.EMPTY : c.getPasswordHash())
                .setOptions(UserAddOptions.newBuilder().setNoPassword(c.getNoPassword())).build();
        return withUser(c.getName(), u);
    }

    private AuthState userDelete(String name) {
        if (enabled && name.equals(ROOT)) throw new AuthException(AuthError.INVALID_AUTH_MGMT);
        if (!users.containsKey(name)) throw new AuthException(AuthError.USER_NOT_FOUND);
        TreeMap<String, User> next = new TreeMap<>(users);
        next.remove(name);
        return new AuthState(enabled, revision + 1, next, roles);
    }

    private AuthState changePassword(io.keel.server.proto.UserChangePasswordChange c) {
        User u = users.get(c.getName());
        if (u == null) throw new AuthException(AuthError.USER_NOT_FOUND);
        return withUser(c.getName(), u.toBuilder().setPassword(c.getPasswordHash()).build());
    }

    private AuthState grantRole(String name, String role) {
        User u = users.get(name);
        if (u == null) throw new AuthException(AuthError.USER_NOT_FOUND);
        if (!role.equals(ROOT) && !roles.containsKey(role)) throw new AuthException(AuthError.ROLE_NOT_FOUND);
        if (u.getRolesList().contains(role)) return this;
        List<String> held = new ArrayList<>(u.getRolesList());
        held.add(role);
        Collections.sort(held);
        return withUser(name, u.toBuilder().clearRoles().addAllRoles(held).build());
    }

    private AuthState revokeRole(String name, String role) {
        if (enabled && name.equals(ROOT) && role.equals(ROOT)) throw new AuthException(AuthError.INVALID_AUTH_MGMT);
        User u = users.get(name);
        if (u == null) throw new AuthException(AuthError.USER_NOT_FOUND);
        if (!u.getRolesList().contains(role)) throw new AuthException(AuthError.ROLE_NOT_GRANTED);
        List<String> held = new ArrayList<>(u.getRolesList());
        held.remove(role);
        return withUser(name, u.toBuilder().clearRoles().addAllRoles(held).build());
    }

    private AuthState roleAdd(String name) {
        if (name.isEmpty()) throw new AuthException(AuthError.ROLE_EMPTY);
        if (roles.containsKey(name)) throw new AuthException(AuthError.ROLE_ALREADY_EXIST);
        return withRole(name, Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build());
    }

    private AuthState roleDelete(String name) {
        if (enabled && name.equals(ROOT)) throw new AuthException(AuthError.INVALID_AUTH_MGMT);
        if (!roles.containsKey(name)) throw new AuthException(AuthError.ROLE_NOT_FOUND);
        TreeMap<String, Role> nextRoles = new TreeMap<>(roles);
        nextRoles.remove(name);
        TreeMap<String, User> nextUsers = new TreeMap<>(users);
        for (Map.Entry<String, User> e : users.entrySet()) {
            if (e.getValue().getRolesList().contains(name)) {
                List<String> held = new ArrayList<>(e.getValue().getRolesList());
                held.remove(name);
                nextUsers.put(e.getKey(), e.getValue().toBuilder().clearRoles().addAllRoles(held).build());
            }
        }
        return new AuthState(enabled, revision + 1, nextUsers, nextRoles);
    }

    private AuthState grantPermission(String name, Permission perm) {
        Role r = roles.get(name);
        if (r == null) throw new AuthException(AuthError.ROLE_NOT_FOUND);
        List<Permission> perms = new ArrayList<>();
        boolean updated = false;
        for (Permission p : r.getKeyPermissionList()) {
            if (p.getKey().equals(perm.getKey()) && p.getRangeEnd().equals(perm.getRangeEnd())) {
                perms.add(p.toBuilder().setPermType(perm.getPermType()).build()); // etcd updates its type
                updated = true;
            } else {
                perms.add(p);
            }
        }
        if (!updated) {
            perms.add(Permission.newBuilder().setKey(perm.getKey()).setRangeEnd(perm.getRangeEnd())
                    .setPermType(perm.getPermType()).build());
            perms.sort((a, b) -> Arrays.compareUnsigned(a.getKey().toByteArray(), b.getKey().toByteArray()));
        }
        return withRole(name, r.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    }

    private AuthState revokePermission(io.keel.server.proto.RoleRevokePermissionChange c) {
        Role r = roles.get(c.getRole());
        if (r == null) throw new AuthException(AuthError.ROLE_NOT_FOUND);
        List<Permission> kept = new ArrayList<>();
        for (Permission p : r.getKeyPermissionList()) {
            if (!p.getKey().equals(c.getKey()) || !p.getRangeEnd().equals(c.getRangeEnd())) kept.add(p);
        }
        if (kept.size() == r.getKeyPermissionCount()) throw new AuthException(AuthError.PERMISSION_NOT_GRANTED);
        return withRole(c.getRole(), r.toBuilder().clearKeyPermission().addAllKeyPermission(kept).build());
    }

    private AuthState withUser(String name, User u) {
        TreeMap<String, User> next = new TreeMap<>(users);
        next.put(name, u);
        return new AuthState(enabled, revision + 1, next, roles);
    }

    private AuthState withRole(String name, Role r) {
        TreeMap<String, Role> next = new TreeMap<>(roles);
        next.put(name, r);
        return new AuthState(enabled, revision + 1, users, next);
    }

    /** The store's auth record. */
    public byte[] encode() {
        return AuthStateRecord.newBuilder().setEnabled(enabled).setRevision(revision).addAllUsers(users.values())
                .addAllRoles(roles.values()).build().toByteArray();
    }

    /** The state in a store's auth record; {@link #EMPTY} for a store that has none. */
    public static AuthState decode(byte[] record) {
        if (record == null) return EMPTY;
        AuthStateRecord r;
        try {
            r = AuthStateRecord.parseFrom(record);
        } catch (InvalidProtocolBufferException e) {
            // The record passed its checksum: only a bug or a newer Keel writes one that does not parse.
            throw new IllegalStateException("the store's auth record does not parse", e);
        }
        TreeMap<String, User> users = new TreeMap<>();
        for (User u : r.getUsersList()) users.put(u.getName().toStringUtf8(), u);
        TreeMap<String, Role> roles = new TreeMap<>();
        for (Role role : r.getRolesList()) roles.put(role.getName().toStringUtf8(), role);
        return new AuthState(r.getEnabled(), r.getRevision(), users, roles);
    }
}
