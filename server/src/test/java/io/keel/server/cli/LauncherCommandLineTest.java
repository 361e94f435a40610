package io.keel.server.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher builds picocli's model of its subcommands only when the arguments may use them (issue 14). */
class LauncherCommandLineTest {
    private static final Set<String> SUBCOMMANDS = Set.of("local-cluster", "status", "snapshot", "recover");

    @Test
    void aMembersFlagsBuildNoSubcommand() {
        String[] member = {"--name", "m1", "--data-dir", "/tmp/m1.keel", "--initial-cluster-state", "new",
                "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380"};
        assertTrue(LauncherCommandLine.forArguments(member).getSubcommands().isEmpty());
        assertTrue(LauncherCommandLine.forArguments(new String[0]).getSubcommands().isEmpty());
    }

    @Test
    void aSubcommandsNameOrHelpBuildsThemAll() {
        String[][] cases = {{"status", "--endpoints", "127.0.0.1:2379"}, {"snapshot", "status", "x.db"},
                {"local-cluster"}, {"recover", "--data-dir", "d"}, {"--help"}, {"-h"}, {"--version"},
                // a flag's value that is a subcommand's name: the full model, as before (picocli then takes it for
                // the subcommand and refuses the flag without a value)
                {"--name", "status"}};
        for (String[] args : cases) {
            assertEquals(SUBCOMMANDS, LauncherCommandLine.forArguments(args).getSubcommands().keySet(),
                    () -> String.join(" ", args));
        }
        assertEquals(SUBCOMMANDS, LauncherCommandLine.full().getSubcommands().keySet());
    }

    @Test
    void anUnknownArgumentIsRefusedAsBefore() {
        StringWriter err = new StringWriter();
        int code = KeelMain.execute(new String[] {"stauts"}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertEquals(ExitCodes.USAGE, code);
        assertTrue(err.toString().startsWith("keel: Unmatched argument at index 0: 'stauts'"), err::toString);
        assertTrue(err.toString().contains("keel: see 'keel --help'"), err::toString);
    }
}
