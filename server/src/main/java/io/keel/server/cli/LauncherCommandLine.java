package io.keel.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

/**
 * The launcher's picocli model. Picocli builds a command's model by reflection over all of its options, and over
 * every subcommand's when the command is created: a member's start, the launcher's common case, would pay for
 * {@code local-cluster}, {@code status}, {@code snapshot} and {@code recover} too (issue 14: a restarted member should
 * serve within a couple of seconds of its process start). So the subcommands are added only when the arguments may
 * name one, or ask for help, which lists them; arguments that name none could never have reached one.
 */
final class LauncherCommandLine {
    /** Keel's subcommands, in the order the help lists them. */
    private static final List<Class<?>> SUBCOMMANDS =
            List.of(LocalCluster.class, StatusCommand.class, SnapshotCommand.class, RecoverCommand.class);
    private static final List<String> HELP_AND_VERSION = List.of("-h", "--help", "-V", "--version");

    private LauncherCommandLine() {
    }

    /** The model {@code args} need: the member's flags, with the subcommands when {@code args} may use them. */
    static CommandLine forArguments(String[] args) {
        return mayUseSubcommands(args) ? full() : membersOnly();
    }

    /** Just the member's flags: enough for every argument list that names no subcommand. */
    static CommandLine membersOnly() {
        return new CommandLine(new KeelCommand());
    }

    /** The member's flags and every subcommand. */
    static CommandLine full() {
        CommandLine cmd = membersOnly();
        for (Class<?> sub : SUBCOMMANDS) cmd.addSubcommand(sub);
        return cmd;
    }

    /**
     * Whether an argument is a subcommand's name (wherever it stands: a flag's value that happens to be one only
     * costs the full model), or asks for help or the version.
     */
    static boolean mayUseSubcommands(String[] args) {
        for (String a : args) {
            if (HELP_AND_VERSION.contains(a)) return true;
            for (Class<?> sub : SUBCOMMANDS) {
                Command c = sub.getAnnotation(Command.class);
                if (c.name().equals(a) || List.of(c.aliases()).contains(a)) return true;
            }
        }
        return false;
    }
}
