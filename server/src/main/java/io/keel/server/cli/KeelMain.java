package io.keel.server.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/** The launcher's entry point ({@code bin/keel}): runs {@link KeelCommand} and exits with its code. */
public final class KeelMain {
    private KeelMain() {
    }

    public static void main(String[] args) {
        StartupTimeline.startLauncher("JVM started");
        if (!LauncherCommandLine.mayUseSubcommands(args)) ClassWarmUp.startEarly(); // a member's start
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
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
