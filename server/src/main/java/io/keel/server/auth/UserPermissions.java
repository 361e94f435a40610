package io.keel.server.auth;

import io.keel.server.etcd.proto.auth.Permission;
import io.keel.server.etcd.proto.auth.Role;
import io.keel.server.etcd.proto.auth.User;

import java.util.Map;

/** One user's permissions merged over its roles, as etcd's range permission cache holds them. */
final class UserPermissions {
    private final boolean root;
    private final KeyIntervals read = new KeyIntervals();
    private final KeyIntervals write = new KeyIntervals();

    private UserPermissions(boolean root) {
        this.root = root;
    }

    static UserPermissions of(User user, Map<String, Role> roles) {
        UserPermissions p = new UserPermissions(AuthState.hasRootRole(user));
        for (String roleName : user.getRolesList()) {
            Role role = roles.get(roleName);
            if (role == null) continue; // the root role may be granted without existing
            for (Permission perm : role.getKeyPermissionList()) {
                byte[] key = perm.getKey().toByteArray();
                byte[] end = perm.getRangeEnd().toByteArray();
                switch (perm.getPermType()) {
                    case READ -> p.read.add(key, end);
                    case WRITE -> p.write.add(key, end);
                    case READWRITE -> {
                        p.read.add(key, end);
                        p.write.add(key, end);
                    }
                    default -> {
                    }
                }
            }
        }
        return p;
    }

    boolean permits(byte[] key, byte[] rangeEnd, Permission.Type type) {
        if (root) return true;
        KeyIntervals of = type == Permission.Type.WRITE ? write : read;
        return rangeEnd.length == 0 ? of.containsKey(key) : of.covers(key, rangeEnd);
    }
}
