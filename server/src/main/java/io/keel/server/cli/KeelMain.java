package io.keel.server.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/** The launcher's entry point ({@code bin/keel}): runs {@link KeelCommand} and exits with its code. */
public final class KeelMain {
    private KeelMain() {
    }

    public static void main(String[] args) {
        StartupTimeline.startLauncher("JVM started");
        JulBridge.install();
        setLauncherDefaults();
        if (!LauncherCommandLine.mayUseSubcommands(args)) ClassWarmUp.startEarly(); // a member's start
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** gRPC's own (shaded) Netty's leak detection level, which the launcher turns off. */
    static final String GRPC_LEAK_DETECTION = "io.grpc.netty.shaded.io.netty.leakDetection.level";

    /**
     * System properties the launcher sets unless JAVA_OPTS gives them, before any Netty class is loaded:
     * <ul>
     *   <li>{@code io.netty.jfr.enabled=false}: Netty 4.2's buffer allocator registers its own JFR event types the
     *       first time it allocates, which starts JFR's metadata machinery (about 70 ms of CPU of a member's start,
     *       and the JIT's work on it; issue 14). Keel records no Netty events.</li>
     *   <li>{@link #GRPC_LEAK_DETECTION}{@code =disabled}: the leak detector of gRPC's Netty (the client port's)
     *       records a stack trace for one buffer in 128, 1.1% of the members' CPU at put-100, put-1000-all and
     *       leases-alone together in a profile (docs/benchmarks.md), for buffers only gRPC handles. Keel's own Netty
     *       code (the peer transport) keeps its detector, as do the tests and embedding programs.</li>
     * </ul>
     */
    static void setLauncherDefaults() {
        setUnlessGiven("io.netty.jfr.enabled", "false");
        setUnlessGiven(GRPC_LEAK_DETECTION, "disabled");
    }

    private static void setUnlessGiven(String property, String value) {
        if (System.getProperty(property) == null) System.setProperty(property, value);
    }

    /** Runs the command line and returns the exit code (the tests call this in-process for refusals). */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(LauncherCommandLine.forArguments(args), args, out, err);
    }

    private static int execute(CommandLine cmd, String[] args, PrintWriter out, PrintWriter err) {
        // etcd (Go's flag package) takes a flag given twice, the last one winning; so does Keel.
        cmd.setOverwrittenOptionsAllowed(true);
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setParameterExceptionHandler((e, arguments) -> {
            if (e instanceof CommandLine.UnmatchedArgumentException && cmd.getSubcommands().isEmpty()) {
                // Perhaps a mistyped subcommand: refused by the full model, so the message is exactly as before.
                return execute(LauncherCommandLine.full(), arguments, out, err);
            }
            CommandLine c = e.getCommandLine();
            c.getErr().println("keel: " + e.getMessage());
            c.getErr().println("keel: see '" + c.getCommandSpec().qualifiedName() + " --help'");
            return ExitCodes.USAGE;
        });
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof LaunchException l) {
                commandLine.getErr().println("keel: " + l.getMessage());
                return l.exitCode();
            }
            commandLine.getErr().println("keel: unexpected error: " + e);
            e.printStackTrace(commandLine.getErr());
            return ExitCodes.FAILED;
        });
        return cmd.execute(args);
    }
}
