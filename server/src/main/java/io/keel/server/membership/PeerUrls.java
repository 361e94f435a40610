package io.keel.server.membership;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Peer and client URLs as etcd writes them ({@code http://host:port}, {@code https://host:port}, and
 * {@code unix://path} / {@code unixs://path} for a Unix domain socket) and the addresses they name.
 */
public final class PeerUrls {
    private PeerUrls() {
    }

    public static String text(InetSocketAddress address) {
        String host = address.getHostString();
        if (host.contains(":")) host = "[" + host + "]";
        return "http://" + host + ":" + address.getPort();
    }

    /** {@link #text(InetSocketAddress)}, and {@code unix://path} for a Unix domain socket. */
    public static String text(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress unix) return "unix://" + unix.getPath();
        return text((InetSocketAddress) address);
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

    /**
     * The socket of a {@code unix://} or {@code unixs://} URL: as etcd reads it, everything after the scheme
     * (etcd's own tests use {@code unix://etcd.unix:1}, a file named {@code etcd.unix:1} in the working directory);
     * null if the URL is not one.
     */
    public static UnixDomainSocketAddress unixAddress(String url) {
        String u = url.trim();
        String rest;
        if (u.startsWith("unix://")) rest = u.substring("unix://".length());
        else if (u.startsWith("unixs://")) rest = u.substring("unixs://".length());
        else return null;
        if (rest.isEmpty()) return null;
        try {
            return UnixDomainSocketAddress.of(rest);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The address a peer URL names, TCP or Unix domain socket; null if it is neither. */
    public static SocketAddress socketAddress(String url) {
        InetSocketAddress inet = address(url);
        return inet != null ? inet : unixAddress(url);
    }

    /** True when there is at least one URL and every one is valid (etcd: "given member URLs are invalid"). */
    static boolean valid(List<String> urls) {
        if (urls.isEmpty()) return false;
        for (String u : urls) if (socketAddress(u) == null) return false;
        return true;
    }

    /** The addresses the transport dials for a member, in order: each of its peer URLs', host names resolved. */
    public static List<SocketAddress> transportAddresses(List<String> peerUrls) {
        List<SocketAddress> out = new ArrayList<>();
        for (String url : peerUrls) {
            SocketAddress a = socketAddress(url);
            if (a instanceof InetSocketAddress inet) out.add(new InetSocketAddress(inet.getHostString(), inet.getPort()));
            else if (a != null) out.add(a);
        }
        return out;
    }
}
