package io.keel.server.grpc;

import io.keel.server.Keel;
import io.keel.storage.mvcc.api.RangeRequest;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * etcd's {@code /health} on the client port: healthy when no alarm is raised, a leader is known, and a linearizable
 * read (etcd's QGET) completes within a second, so a member cut off from its quorum says so.
 */
final class ClientHealth implements BooleanSupplier {
    private static final byte[] PROBE_KEY = "/keel/health".getBytes(StandardCharsets.UTF_8);

    private final Keel keel;

    ClientHealth(Keel keel) {
        this.keel = keel;
    }

    @Override
    public boolean getAsBoolean() {
        if (!keel.appliedAlarms().isEmpty() || keel.leaderId() == 0) return false;
        try {
            keel.rangeAsync(RangeRequest.key(PROBE_KEY), false).get(1, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
