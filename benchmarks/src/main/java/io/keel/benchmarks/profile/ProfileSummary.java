package io.keel.benchmarks.profile;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a profiled Keel cluster spent its CPU, from async-profiler's collapsed stacks recorded with its
 * {@code threads} option (one line per distinct stack: {@code [thread name tid=N];frame;frame;... samples}), as
 * {@code benchmarks/compare-etcd.sh --profile=DIR} writes them, one file per member. Samples are summed over the
 * files and grouped by thread kind: the member id, the thread number and the tid are dropped from the name, so
 * {@code keel-apply-4cd9b7672d7fbee8} and {@code keel-client-io-3-2} count as {@code keel-apply} and
 * {@code keel-client-io}. For each group: its share of all samples, the frames that were running (self
 * time) and the Keel methods that were on the stack (inclusive).
 */
@Command(name = "profile-summary", mixinStandardHelpOptions = true,
        description = "Summarizes async-profiler collapsed stacks (recorded with 'threads') by thread kind.")
public final class ProfileSummary implements Runnable {
    /** A member id (16 hex digits) or a trailing thread number, and anything after them, in a thread name. */
    private static final Pattern THREAD_SUFFIX = Pattern.compile("(-[0-9a-f]{16}.*|(-\\d+)+|#\\d+)$");

    @Parameters(arity = "1..*", description = "collapsed stack files")
    List<Path> files;

    @Option(names = "--groups", defaultValue = "12", description = "thread kinds to show (default ${DEFAULT-VALUE})")
    int groups;

    @Option(names = "--frames", defaultValue = "8", description = "frames to show per kind (default ${DEFAULT-VALUE})")
    int frames;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ProfileSummary()).execute(args));
    }

    @Override
    public void run() {
        Summary s = new Summary();
        for (Path f : files) {
            try (Stream<String> lines = Files.lines(f)) {
                lines.forEach(s::add);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + f, e);
            }
        }
        s.print(System.out, groups, frames);
    }

    /** The thread kind of a collapsed stack's first frame ({@code [name tid=N]}). */
    static String threadKind(String firstFrame) {
        String name = firstFrame;
        if (name.startsWith("[") && name.endsWith("]")) name = name.substring(1, name.length() - 1);
        int tid = name.lastIndexOf(" tid=");
        if (tid >= 0) name = name.substring(0, tid);
        return THREAD_SUFFIX.matcher(name).replaceFirst("");
    }

    /** Samples per thread kind, and per frame within each kind. */
    static final class Summary {
        final Map<String, Long> byKind = new HashMap<>();
        final Map<String, Map<String, Long>> selfByKind = new HashMap<>();
        final Map<String, Map<String, Long>> keelByKind = new HashMap<>();
        long total;

        /** One line of collapsed stacks; blank lines are skipped, a malformed one is refused. */
        void add(String line) {
            if (line.isBlank()) return;
            int space = line.lastIndexOf(' ');
            if (space <= 0) throw new IllegalArgumentException("not a collapsed stack line: " + line);
            long samples = Long.parseLong(line.substring(space + 1).trim());
            String[] stack = line.substring(0, space).split(";");
            String kind = threadKind(stack[0]);
            total += samples;
            byKind.merge(kind, samples, Long::sum);
            selfByKind.computeIfAbsent(kind, k -> new HashMap<>()).merge(stack[stack.length - 1], samples, Long::sum);
            Set<String> seen = new HashSet<>();
            Map<String, Long> keel = keelByKind.computeIfAbsent(kind, k -> new HashMap<>());
            for (int i = 1; i < stack.length; i++) {
                // Lambdas are named per JVM run; their enclosing methods are on the stack anyway.
                if (stack[i].startsWith("io/keel/") && !stack[i].contains("$$Lambda") && seen.add(stack[i])) {
                    keel.merge(stack[i], samples, Long::sum);
                }
            }
        }

        void print(PrintStream out, int groups, int frames) {
            out.printf("%,d samples%n", total);
            byKind.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(groups)
                    .forEach(g -> {
                        out.printf("%n%-32s %5.1f%%%n", g.getKey(), percent(g.getValue(), total));
                        top(selfByKind.get(g.getKey()), frames).forEach(f -> out.printf("   self %5.1f%%  %s%n",
                                percent(f.getValue(), g.getValue()), f.getKey()));
                        top(keelByKind.get(g.getKey()), frames).forEach(f -> out.printf("   on stack %5.1f%%  %s%n",
                                percent(f.getValue(), g.getValue()), f.getKey()));
                    });
        }

        private static List<Map.Entry<String, Long>> top(Map<String, Long> counts, int n) {
            return counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                            .thenComparing(Map.Entry.comparingByKey(Comparator.naturalOrder())))
                    .limit(n).toList();
        }

        private static double percent(long part, long whole) {
            return whole == 0 ? 0 : 100.0 * part / whole;
        }
    }
}
