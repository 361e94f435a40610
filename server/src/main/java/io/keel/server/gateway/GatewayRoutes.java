package io.keel.server.gateway;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;

import java.util.HashMap;
import java.util.Map;

/**
 * The gateway's paths, as etcd 3.4's rpc.proto names them in its {@code google.api.http} options, each to the gRPC
 * method it calls. Every path is served under {@code /v3/} and under 3.4's older {@code /v3beta/} alias.
 */
final class GatewayRoutes {
    /** Path after the version prefix, to "Service/Method" (etcd's proto service names). */
    private static final Map<String, String> PATHS = Map.ofEntries(
            Map.entry("/kv/range", "etcdserverpb.KV/Range"),
            Map.entry("/kv/put", "etcdserverpb.KV/Put"),
            Map.entry("/kv/deleterange", "etcdserverpb.KV/DeleteRange"),
            Map.entry("/kv/txn", "etcdserverpb.KV/Txn"),
            Map.entry("/kv/compaction", "etcdserverpb.KV/Compact"),
            Map.entry("/watch", "etcdserverpb.Watch/Watch"),
            Map.entry("/lease/grant", "etcdserverpb.Lease/LeaseGrant"),
            Map.entry("/lease/revoke", "etcdserverpb.Lease/LeaseRevoke"),
            Map.entry("/kv/lease/revoke", "etcdserverpb.Lease/LeaseRevoke"),
            Map.entry("/lease/keepalive", "etcdserverpb.Lease/LeaseKeepAlive"),
            Map.entry("/lease/timetolive", "etcdserverpb.Lease/LeaseTimeToLive"),
            Map.entry("/kv/lease/timetolive", "etcdserverpb.Lease/LeaseTimeToLive"),
            Map.entry("/lease/leases", "etcdserverpb.Lease/LeaseLeases"),
            Map.entry("/kv/lease/leases", "etcdserverpb.Lease/LeaseLeases"),
            Map.entry("/cluster/member/add", "etcdserverpb.Cluster/MemberAdd"),
            Map.entry("/cluster/member/remove", "etcdserverpb.Cluster/MemberRemove"),
            Map.entry("/cluster/member/update", "etcdserverpb.Cluster/MemberUpdate"),
            Map.entry("/cluster/member/list", "etcdserverpb.Cluster/MemberList"),
            Map.entry("/cluster/member/promote", "etcdserverpb.Cluster/MemberPromote"),
            Map.entry("/maintenance/alarm", "etcdserverpb.Maintenance/Alarm"),
            Map.entry("/maintenance/status", "etcdserverpb.Maintenance/Status"),
            Map.entry("/maintenance/defragment", "etcdserverpb.Maintenance/Defragment"),
            Map.entry("/maintenance/hash", "etcdserverpb.Maintenance/HashKV"),
            Map.entry("/maintenance/snapshot", "etcdserverpb.Maintenance/Snapshot"),
            Map.entry("/maintenance/transfer-leadership", "etcdserverpb.Maintenance/MoveLeader"),
            Map.entry("/auth/enable", "etcdserverpb.Auth/AuthEnable"),
            Map.entry("/auth/disable", "etcdserverpb.Auth/AuthDisable"),
            Map.entry("/auth/authenticate", "etcdserverpb.Auth/Authenticate"),
            Map.entry("/auth/user/add", "etcdserverpb.Auth/UserAdd"),
            Map.entry("/auth/user/get", "etcdserverpb.Auth/UserGet"),
            Map.entry("/auth/user/list", "etcdserverpb.Auth/UserList"),
            Map.entry("/auth/user/delete", "etcdserverpb.Auth/UserDelete"),
            Map.entry("/auth/user/changepw", "etcdserverpb.Auth/UserChangePassword"),
            Map.entry("/auth/user/grant", "etcdserverpb.Auth/UserGrantRole"),
            Map.entry("/auth/user/revoke", "etcdserverpb.Auth/UserRevokeRole"),
            Map.entry("/auth/role/add", "etcdserverpb.Auth/RoleAdd"),
            Map.entry("/auth/role/get", "etcdserverpb.Auth/RoleGet"),
            Map.entry("/auth/role/list", "etcdserverpb.Auth/RoleList"),
            Map.entry("/auth/role/delete", "etcdserverpb.Auth/RoleDelete"),
            Map.entry("/auth/role/grant", "etcdserverpb.Auth/RoleGrantPermission"),
            Map.entry("/auth/role/revoke", "etcdserverpb.Auth/RoleRevokePermission"),
            Map.entry("/election/campaign", "v3electionpb.Election/Campaign"),
            Map.entry("/election/proclaim", "v3electionpb.Election/Proclaim"),
            Map.entry("/election/leader", "v3electionpb.Election/Leader"),
            Map.entry("/election/observe", "v3electionpb.Election/Observe"),
            Map.entry("/election/resign", "v3electionpb.Election/Resign"),
            Map.entry("/lock/lock", "v3lockpb.Lock/Lock"),
            Map.entry("/lock/unlock", "v3lockpb.Lock/Unlock"));

    private static final String[] PREFIXES = {"/v3", "/v3beta"};

    private final Map<String, MethodDescriptor<?, ?>> byPath = new HashMap<>();

    /** The routes whose methods these services have; a path whose method is not served is not routed. */
    GatewayRoutes(Iterable<ServiceDescriptor> services) {
        Map<String, MethodDescriptor<?, ?>> methods = new HashMap<>();
        for (ServiceDescriptor s : services) {
            for (MethodDescriptor<?, ?> m : s.getMethods()) methods.put(m.getFullMethodName(), m);
        }
        PATHS.forEach((path, method) -> {
            MethodDescriptor<?, ?> m = methods.get(method);
            if (m == null) return;
            for (String prefix : PREFIXES) byPath.put(prefix + path, m);
        });
    }

    /** The method a request path names, or null. */
    MethodDescriptor<?, ?> method(String path) {
        return byPath.get(path);
    }
}
