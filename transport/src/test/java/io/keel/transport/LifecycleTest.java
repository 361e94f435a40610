package io.keel.transport;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** close() leaves nothing behind: no I/O or snapshot thread, the port free, sends after it refused. */
class LifecycleTest {

    @Test
    void closeStopsEveryThreadAndFreesThePort() throws Exception {
        InetSocketAddress address;
        try (Transport a = Transport.start(Members.fastConfig(Members.CLUSTER, 4242).build(), new Recorder());
             Transport b = Transport.start(Members.fastConfig(Members.CLUSTER, 4243).peer(4242, a.localAddress()).build(), new Recorder())) {
            a.addPeer(4243, b.localAddress());
            Members.awaitConnected(a, List.of(4243L));
            Members.awaitConnected(b, List.of(4242L));
            a.sendSnapshot(4243, Msgs.snapshotMeta(4242, 4243, 1), new ByteArrayInputStream(new byte[1000]), 1000)
                    .exceptionally(e -> null).get(20, TimeUnit.SECONDS); // refused by the default listener; threads used
            address = a.localAddress();
            a.close();
            assertFalse(a.send(Msgs.heartbeat(4242, 4243, 1)), "a closed transport drops");
        }
        assertEquals(List.of(), threadsOf("4242"), "threads left behind");
        assertEquals(List.of(), threadsOf("4243"), "threads left behind");
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(address); // the listening port is released
        }
    }

    private static List<String> threadsOf(String member) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("keel-transport-" + member) || n.startsWith("keel-snapshot-io-" + member)).toList();
    }
}
