package io.keel.server.membership;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/** Peer and client URLs as etcd writes them ({@code http://host:port}) and the addresses they name. */
public final class PeerUrls {
    private PeerUrls() {
    }

    public static String text(InetSocketAddress address) {
        String host = address.getHostString();
        if (host.contains(":")) host = "[" + host + "]";
        return "http://" + host + ":" + address.getPort();
    }

    /** The address of an {@code http(s)://host:port} URL with nothing after the port; null if it is not one. */
    public static InetSocketAddress address(String url) {
        try {
            URI u = new URI(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) return null;
            if (u.getHost() == null || u.getPort() < 1 || u.getPort() > 65535) return null;
            if (u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null) return null;
            if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !"/".equals(u.getRawPath())) return null;
            String host = u.getHost();
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            return InetSocketAddress.createUnresolved(host, u.getPort());
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** True when there is at least one URL and every one is valid (etcd: "given member URLs are invalid"). */
    static boolean valid(List<String> urls) {
        if (urls.isEmpty()) return false;
        for (String u : urls) if (address(u) == null) return false;
        return true;
    }

    /** The address the transport uses for a member: its first peer URL's, resolved. */
    static InetSocketAddress transportAddress(MemberInfo m) {
        if (m.peerUrls().isEmpty()) return null;
        InetSocketAddress a = address(m.peerUrls().get(0));
        return a == null ? null : new InetSocketAddress(a.getHostString(), a.getPort());
    }
}
