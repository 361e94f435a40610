package io.keel.transport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

/**
 * Issue 14: a member that comes back connects to its peers, and they connect back to it at once instead of when
 * their reconnection back-off, grown while it was down, next fires. Otherwise a restarted member hears nothing from
 * its leader for up to the maximum back-off (5 s by default) and starts an election instead of following.
 */
class ConnectBackTest {

    @Test
    void aPeerThatConnectsIsConnectedBackAtOnceNotAfterTheBackOff() throws IOException {
        InetSocketAddress twoAddress;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            twoAddress = new InetSocketAddress("127.0.0.1", s.getLocalPort()); // free; nothing listens on it now
        }
        // Member 1's back-off is at least 60 s: a message reaching member 2 within the 20 s deadline below can only
        // have gone over a connection made because member 2 connected first.
        TransportConfig oneConfig = Members.fastConfig(Members.CLUSTER, 1L)
                .reconnectDelay(Duration.ofSeconds(120), Duration.ofSeconds(240)).peer(2L, twoAddress).build();
        Recorder toOne = new Recorder();
        try (Transport one = Transport.start(oneConfig, toOne)) {
            Await.until(() -> one.backingOff(2L), () -> "member 1 failed to reach member 2 and waits its back-off");

            Recorder toTwo = new Recorder();
            TransportConfig twoConfig = Members.fastConfig(Members.CLUSTER, 2L).listen(twoAddress)
                    .peer(1L, one.localAddress()).build();
            try (Transport two = Transport.start(twoConfig, toTwo)) {
                long[] seq = {0};
                Await.until(() -> {
                    one.send(Msgs.heartbeat(1L, 2L, ++seq[0]));
                    return toTwo.total.sum() > 0;
                }, () -> "a message from member 1 reaches member 2 once member 2 connected to member 1");
            }
        }
    }
}
