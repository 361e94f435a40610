package io.keel.server.space;

import io.keel.server.Keel;
import io.keel.server.Poll;
import io.keel.server.cli.FreePorts;
import io.keel.storage.mvcc.api.AlarmMember;
import io.keel.storage.mvcc.api.AlarmRequest;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.MvccException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The space quota through the embedded API: the same refusal and alarm as over gRPC, and bad settings refused. */
class SpaceQuotaTest {
    private static final long QUOTA = 4L * 1024 * 1024;

    @Test
    void aWriteThatWouldPassTheQuotaIsRefusedAndRaisesTheAlarm(@TempDir Path dir) {
        try (Keel keel = Keel.builder().id(1).dataDir(dir).listen(FreePorts.loopback()).quotaBackendBytes(QUOTA)
                .start()) {
            keel.awaitLeader(Duration.ofSeconds(30));
            assertEquals(QUOTA, keel.quotaBytes());
            byte[] value = new byte[64 * 1024];
            Random random = new Random(1);
            MvccException refused = null;
            for (int i = 0; refused == null; i++) {
                assertTrue(i < 4 * QUOTA / value.length, "no refusal after " + i + " puts of 64 KiB");
                random.nextBytes(value);
                try {
                    keel.put(("k" + i).getBytes(StandardCharsets.UTF_8), value);
                } catch (MvccException e) {
                    refused = e;
                }
            }
            assertEquals(EtcdError.NO_SPACE, refused.error());
            assertEquals("etcdserver: mvcc: database space exceeded", refused.getMessage());
            AlarmMember mine = new AlarmMember(keel.memberId(), AlarmType.NOSPACE);
            // As etcd: the refusal comes once the alarm is raised, so whoever lists the alarms next sees it (etcd's
            // e2e TestCtlV3Alarm lists them right after the refusal; it failed when Keel answered first).
            assertEquals(List.of(mine), keel.alarms());
            assertEquals(EtcdError.NO_SPACE, assertThrows(MvccException.class, () -> keel.grantLease(60)).error());
            assertEquals(1, keel.delete("k0"), "deletes go on");

            assertEquals(List.of(mine), keel.alarmAsync(new AlarmRequest(AlarmRequest.Action.DEACTIVATE,
                    keel.memberId(), AlarmType.NOSPACE)).join());
            assertEquals(List.of(), keel.alarms());
            // The store is still at its quota: the next write that adds data raises the alarm again; a lease grant
            // too, answered as a put is, once the alarm is raised.
            assertEquals(EtcdError.NO_SPACE, assertThrows(MvccException.class, () -> keel.grantLease(60)).error());
            assertEquals(List.of(mine), keel.alarms());
            assertThrows(MvccException.class, () -> keel.put("again", "x"));
        }
    }

    @Test
    void aQuotaMustBePositive() {
        assertEquals("the space quota must be positive, was 0", assertThrows(IllegalArgumentException.class,
                () -> Keel.builder().quotaBackendBytes(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Keel.builder().quotaBackendBytes(-1));
    }
}
