package io.keel.server.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The loopback ports of a local cluster's members: picked free on its first start ({@link FreePorts}) and kept in
 * {@code local-cluster.properties} beside the members' data, because the cluster id derives from the peer addresses
 * and a restarted local cluster must find its own data again.
 */
record LocalPorts(int client, int peer, int metrics) {
    static final String FILE = "local-cluster.properties";

    static java.util.Map<String, LocalPorts> loadOrPick(Path dir, List<String> names) {
        Path file = dir.resolve(FILE);
        Properties p = new Properties();
        try {
            if (Files.exists(file)) {
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(in);
                }
            } else {
                for (String n : names) {
                    p.setProperty(n + ".client", Integer.toString(FreePorts.next()));
                    p.setProperty(n + ".peer", Integer.toString(FreePorts.next()));
                    p.setProperty(n + ".metrics", Integer.toString(FreePorts.next()));
                }
                Files.createDirectories(dir);
                try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    p.store(out, "Ports of keel local-cluster's members; delete the data directory to start afresh");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading or writing " + file, e);
        }
        java.util.Map<String, LocalPorts> ports = new java.util.LinkedHashMap<>();
        for (String n : names) {
            try {
                ports.put(n, new LocalPorts(Integer.parseInt(p.getProperty(n + ".client")),
                        Integer.parseInt(p.getProperty(n + ".peer")), Integer.parseInt(p.getProperty(n + ".metrics"))));
            } catch (RuntimeException e) {
                throw LaunchException.usage(file + " has no valid ports for " + n
                        + ": delete it (and the members' data) to start a new local cluster");
            }
        }
        return ports;
    }
}
