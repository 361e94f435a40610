package io.keel.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code -Dkeel.transport.ioThreads}: the number of event-loop threads, or a clear error naming the property. */
class IoThreadsPropertyTest {
    private static final String PROPERTY = TransportConfig.Builder.IO_THREADS_PROPERTY;

    @AfterEach
    void clear() {
        System.clearProperty(PROPERTY);
    }

    @Test
    void oneThreadCarriesAClustersMessagesInOrder() throws IOException {
        System.setProperty(PROPERTY, "1");
        long a = 0x7101, b = 0x7102; // ids no other test uses, so the thread names are this test's own
        // Without direct writes: they add a thread of their own for the outbound message connections (EventLoops).
        try (Members m = Members.start(List.of(a, b), builder -> builder.directWrites(false), true)) {
            m.awaitConnected();
            // Both directions connected: member a's loop serves its outbound and its inbound connection.
            String prefix = "keel-transport-" + Texts.id(a) + "-";
            long threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith(prefix)).count();
            assertEquals(1, threads, "member a's event-loop threads");
            List<io.keel.raft.proto.Message> batch = new java.util.ArrayList<>();
            for (int i = 1; i <= 50; i++) batch.add(Msgs.heartbeat(a, b, i));
            assertEquals(0, m.get(a).sendAll(batch));
            for (int i = 51; i <= 100; i++) m.get(a).send(Msgs.heartbeat(a, b, i));
            Await.until(() -> m.recorder(b).lastIndexFrom(a) == 100, () -> "100 messages delivered");
            assertEquals(0, m.recorder(b).disorderFrom(a));
        }
    }

    @Test
    void aValueThatIsNotAPositiveNumberIsRefusedWithThePropertysName() {
        for (String bad : List.of("0", "-2", "two")) {
            System.setProperty(PROPERTY, bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TransportConfig.builder(Members.CLUSTER, 1));
            assertTrue(e.getMessage().contains("-Dkeel.transport.ioThreads=" + bad), e.getMessage());
        }
    }
}
