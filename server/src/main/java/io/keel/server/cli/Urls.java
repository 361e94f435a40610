package io.keel.server.cli;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses etcd-style URL flags: {@code http://host:port}, and --initial-cluster's {@code name=url,...}. */
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

    /** {@code name=http://host:port,...}: member names in order, with their peer addresses. */
    static Map<String, InetSocketAddress> initialCluster(String value) {
        Map<String, InetSocketAddress> members = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw LaunchException.usage("--initial-cluster '" + value + "': expected name=http://host:port,...");
            }
            String name = p.substring(0, eq).trim();
            if (members.containsKey(name)) {
                // etcd allows several peer URLs per name; the launcher has one peer address per member.
                throw LaunchException.usage("--initial-cluster names member '" + name + "' twice");
            }
            members.put(name, address("--initial-cluster", p.substring(eq + 1).trim()));
        }
        return members;
    }

    static String text(InetSocketAddress a) {
        return text(a, false);
    }

    static String text(InetSocketAddress a, boolean https) {
        String host = a.getHostString();
        if (host.contains(":")) host = "[" + host + "]";
        return (https ? "https://" : "http://") + host + ":" + a.getPort();
    }

    /** Whether every URL of a comma-separated list is https://; refuses a list that mixes schemes. */
    static boolean https(String flag, String urls) {
        Boolean https = null;
        for (String u : urls.split(",")) {
            String t = u.trim();
            int eq = t.indexOf('=');
            if (eq > 0 && !t.startsWith("http")) t = t.substring(eq + 1).trim(); // --initial-cluster's name=url
            boolean h = t.startsWith("https://");
            if (https != null && https != h) {
                throw LaunchException.usage(flag + " '" + urls + "' mixes http:// and https://");
            }
            https = h;
        }
        return Boolean.TRUE.equals(https);
    }
}
