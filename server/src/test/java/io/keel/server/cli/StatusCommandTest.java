package io.keel.server.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code keel status} without a cluster: refusals of bad flags, an endpoint nobody listens on, and what reaches the
 * terminal. ClusterPageTest runs it against three live members.
 */
class StatusCommandTest {
    private record Run(int exit, String out, String err) {
    }

    private static Run keel(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = KeelMain.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void badFlagsAreRefusedWithTheUsageExitCode() {
        Run noEndpoints = keel("status");
        assertEquals(ExitCodes.USAGE, noEndpoints.exit());
        assertTrue(noEndpoints.err().contains("--endpoints"), noEndpoints.err());
        Run format = keel("status", "--endpoints=http://127.0.0.1:1", "-w", "yaml");
        assertEquals(ExitCodes.USAGE, format.exit());
        assertTrue(format.err().contains("expected table or json"), format.err());
        Run timeout = keel("status", "--endpoints=http://127.0.0.1:1", "--command-timeout", "soon");
        assertEquals(ExitCodes.USAGE, timeout.exit());
    }

    @Test
    void anEndpointThatDoesNotAnswerIsShownUnreachableAndTheExitCodeSaysSo() {
        String endpoint = "127.0.0.1:" + FreePorts.next(); // nothing listens there; host:port as etcdctl takes it
        Run table = keel("status", "--endpoints=" + endpoint, "--command-timeout=2s");
        assertEquals(ExitCodes.FAILED, table.exit(), table.err());
        assertTrue(table.out().contains("| unreachable |"), table.out());
        assertTrue(table.out().contains("could not reach http://" + endpoint), table.out());
        Run json = keel("status", "--endpoints=" + endpoint, "-w", "json");
        assertEquals(ExitCodes.FAILED, json.exit());
        assertTrue(json.out().startsWith("{") && json.out().contains("\"reachable\":false"), json.out());
    }

    @Test
    void durationsAreEtcdctlsAndTerminalControlCharactersNeverPrint() {
        assertEquals(Duration.ofMillis(500), StatusCommand.duration("500ms"));
        assertEquals(Duration.ofSeconds(5), StatusCommand.duration("5s"));
        assertEquals(Duration.ofMinutes(1), StatusCommand.duration("1m"));
        assertEquals("m1?[31mred", StatusTable.safe("m1\u001b[31mred"));
    }
}
