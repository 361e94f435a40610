package io.keel.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The system properties the launcher sets before any Netty class loads: each only when JAVA_OPTS did not give it,
 * so an operator can turn gRPC's leak detection (or Netty's JFR events) back on. The properties are restored after
 * each test, before anything else in this JVM reads them.
 */
class LauncherDefaultsTest {
    private static final String JFR = "io.netty.jfr.enabled";
    private Map<String, String> saved;

    @BeforeEach
    void save() {
        saved = Stream.of(JFR, KeelMain.GRPC_LEAK_DETECTION).filter(p -> System.getProperty(p) != null)
                .collect(Collectors.toMap(Function.identity(), System::getProperty));
    }

    @AfterEach
    void restore() {
        for (String p : new String[] {JFR, KeelMain.GRPC_LEAK_DETECTION}) {
            if (saved.containsKey(p)) System.setProperty(p, saved.get(p)); else System.clearProperty(p);
        }
    }

    @Test
    void grpcLeakDetectionAndNettyJfrEventsAreOffByDefault() {
        System.clearProperty(JFR);
        System.clearProperty(KeelMain.GRPC_LEAK_DETECTION);
        KeelMain.setLauncherDefaults();
        assertEquals("disabled", System.getProperty(KeelMain.GRPC_LEAK_DETECTION));
        assertEquals("false", System.getProperty(JFR));
    }

    @Test
    void whatJavaOptsGaveWins() {
        System.setProperty(JFR, "true");
        System.setProperty(KeelMain.GRPC_LEAK_DETECTION, "paranoid");
        KeelMain.setLauncherDefaults();
        assertEquals("paranoid", System.getProperty(KeelMain.GRPC_LEAK_DETECTION));
        assertEquals("true", System.getProperty(JFR));
    }
}
