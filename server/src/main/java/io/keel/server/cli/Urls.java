package io.keel.server.cli;

import io.keel.server.membership.PeerUrls;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses etcd-style URL flags: comma-separated {@code http(s)://host:port} and {@code unix(s)://path} URLs, and
 * --initial-cluster's {@code name=url,...}.
 */
final class Urls {
    private Urls() {
    }

    /**
     * One {@code http(s)://host:port} URL (the launcher listens on one address per flag).
     * The address keeps the host as written, so every member derives the same cluster id from the same text.
     */
    static InetSocketAddress single(String flag, String value) {
        String v = value.trim();
        if (v.contains(",")) {
            throw LaunchException.usage(flag + " '" + value + "': Keel listens on one URL per flag for now");
        }
        return address(flag, v);
    }

    static InetSocketAddress address(String flag, String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw LaunchException.usage(flag + " '" + url + "' is not a URL: " + e.getReason());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw LaunchException.usage(flag + " '" + url + "': expected http://host:port or https://host:port");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw LaunchException.usage(flag + " '" + url + "': expected http(s)://host:port");
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
            throw LaunchException.usage(flag + " '" + url + "': a listen URL has no path");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        InetSocketAddress a = new InetSocketAddress(host, uri.getPort());
        if (a.isUnresolved()) throw LaunchException.usage(flag + " '" + url + "': cannot resolve host " + host);
        return a;
    }

    /**
     * A URL flag's comma-separated URLs, as etcd takes them: {@code http(s)://host:port} or {@code unix(s)://path};
     * trimmed, in order, each checked. Empty entries are refused.
     */
    static List<String> list(String flag, String value) {
        List<String> urls = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String url = part.trim();
            if (url.isEmpty()) throw LaunchException.usage(flag + " '" + value + "': an empty URL in the list");
            socketAddress(flag, url);
            urls.add(url);
        }
        return urls;
    }

    /** The address one URL names: TCP (host resolved) or a Unix domain socket ({@code unix://path}). */
    static SocketAddress socketAddress(String flag, String url) {
        if (url.startsWith("unix://") || url.startsWith("unixs://")) {
            UnixDomainSocketAddress unix = PeerUrls.unixAddress(url);
            if (unix == null) throw LaunchException.usage(flag + " '" + url + "': expected unix://path");
            return unix;
        }
        return address(flag, url);
    }

    /** Each URL's address, in order. */
    static List<SocketAddress> socketAddresses(String flag, List<String> urls) {
        return urls.stream().map(u -> socketAddress(flag, u)).toList();
    }

    /** The first TCP address among these, or null when all are Unix domain sockets. */
    static InetSocketAddress firstInet(List<SocketAddress> addresses) {
        for (SocketAddress a : addresses) if (a instanceof InetSocketAddress inet) return inet;
        return null;
    }

    /**
     * {@code name=url,...}: member names in order of first appearance, each with its peer URLs. A name given several
     * times has several peer URLs (etcd's {@code e1=http://a:2380,e1=http://b:2380}); the same URL twice is refused.
     */
    static Map<String, List<String>> initialClusterUrls(String value) {
        Map<String, List<String>> members = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw LaunchException.usage("--initial-cluster '" + value + "': expected name=http://host:port,...");
            }
            String name = p.substring(0, eq).trim();
            String url = p.substring(eq + 1).trim();
            socketAddress("--initial-cluster", url);
            List<String> urls = members.computeIfAbsent(name, n -> new ArrayList<>());
            if (urls.contains(url)) {
                throw LaunchException.usage("--initial-cluster names " + name + "=" + url + " twice");
            }
            urls.add(url);
        }
        return members;
    }

    /** {@code name=http://host:port,...}: member names in order, with their first peer address (TCP). */
    static Map<String, InetSocketAddress> initialCluster(String value) {
        Map<String, InetSocketAddress> members = new LinkedHashMap<>();
        initialClusterUrls(value).forEach((name, urls) -> {
            InetSocketAddress first = firstInet(socketAddresses("--initial-cluster", urls));
            if (first != null) members.put(name, first);
        });
        return members;
    }

    static String text(InetSocketAddress a) {
        return text(a, false);
    }

    /** {@link #text(InetSocketAddress, boolean)}, and {@code unix(s)://path} for a Unix domain socket. */
    static String text(SocketAddress a, boolean tls) {
        if (a instanceof UnixDomainSocketAddress unix) return (tls ? "unixs://" : "unix://") + unix.getPath();
        return text((InetSocketAddress) a, tls);
    }

    static String text(InetSocketAddress a, boolean https) {
        String host = a.getHostString();
        if (host.contains(":")) host = "[" + host + "]";
        return (https ? "https://" : "http://") + host + ":" + a.getPort();
    }

    /**
     * Whether every URL of a comma-separated list is TLS (https://, or unixs:// for a Unix socket); refuses a list
     * that mixes TLS and plain text.
     */
    static boolean https(String flag, String urls) {
        Boolean https = null;
        for (String u : urls.split(",")) {
            String t = u.trim();
            int eq = t.indexOf('=');
            if (eq > 0 && !t.substring(0, eq).contains("://")) {
                t = t.substring(eq + 1).trim(); // --initial-cluster's name=url
            }
            boolean h = t.startsWith("https://") || t.startsWith("unixs://");
            if (https != null && https != h) {
                throw LaunchException.usage(flag + " '" + urls + "' mixes plain-text (http://, unix://) and TLS"
                        + " (https://, unixs://) URLs");
            }
            https = h;
        }
        return Boolean.TRUE.equals(https);
    }
}
