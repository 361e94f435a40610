package io.keel.server.cli;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * etcd's --config-file: a YAML mapping whose keys are the flag names without dashes ({@code name: m1},
 * {@code initial-cluster: m1=http://...}). It becomes the equivalent command line, so a key is checked exactly as its
 * flag is, and an unknown key is refused as an unknown flag would be.
 */
final class ConfigFile {
    private ConfigFile() {
    }

    static List<String> toArguments(Path file) {
        Object doc;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (NoSuchFileException e) {
            throw LaunchException.usage("--config-file " + file + ": no such file");
        } catch (IOException e) {
            throw LaunchException.usage("--config-file " + file + ": cannot read it: " + e.getMessage());
        } catch (YAMLException e) {
            throw LaunchException.usage("--config-file " + file + " is not valid YAML: "
                    + e.getMessage().replace('\n', ' '));
        }
        if (doc == null) return List.of();
        if (!(doc instanceof Map<?, ?> map)) {
            throw LaunchException.usage("--config-file " + file + ": expected 'flag-name: value' lines");
        }
        List<String> args = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.equals("config-file")) {
                throw LaunchException.usage("--config-file " + file + ": a config file cannot name another");
            }
            Object value = e.getValue();
            if (value == null) continue; // etcd's sample files leave unset keys empty
            if (value instanceof Map<?, ?> section && TransportSecurity.isSection(key)) {
                args.addAll(TransportSecurity.toArguments(file, key, section));
                continue;
            }
            if (value instanceof List<?> list && key.equals("cipher-suites")) { // etcd's file lists them
                args.add("--" + key + "=" + String.join(",", list.stream().map(String::valueOf).toList()));
                continue;
            }
            if (value instanceof Map || value instanceof List) {
                throw LaunchException.usage("--config-file " + file + ": key '" + key
                        + "' must have a single value (a comma-separated string for lists)");
            }
            args.add("--" + key + "=" + value);
        }
        return args;
    }
}
