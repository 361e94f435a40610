package io.keel.storage.log;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * The identity of one data directory, as opposed to the member it belongs to: a random 64-bit number drawn when the
 * directory is created and never changed. A member whose directory was wiped and recreated under its old member id
 * comes back with a new incarnation, which its peers can tell from the one it joined with: it has forgotten votes
 * and entries it acknowledged, so it must not count as that member (issue 10 B).
 *
 * <p>Drawn from {@link SecureRandom}, never 0 (0 means "none recorded" on the wire and in the member directory):
 * two directories must not share one, so a predictable or seeded generator will not do.
 */
public final class Incarnation {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Incarnation() {
    }

    /** A fresh incarnation for a directory being created. */
    public static long draw() {
        long value;
        do {
            value = RANDOM.nextLong();
        } while (value == 0);
        return value;
    }

    static byte[] encode(long incarnation) {
        return ValueChecksum.seal(ByteBuffer.allocate(Long.BYTES).putLong(incarnation).array());
    }

    static long decode(Path dir, byte[] value) {
        if (!ValueChecksum.intact(value)) {
            throw CorruptLogException.record(dir, "incarnation record", "failed its checksum");
        }
        if (value.length != ValueChecksum.LENGTH + Long.BYTES) {
            throw CorruptLogException.record(dir, "incarnation record", "has " + (value.length - ValueChecksum.LENGTH) + " bytes");
        }
        long incarnation = ByteBuffer.wrap(value, ValueChecksum.LENGTH, Long.BYTES).getLong();
        if (incarnation == 0) throw CorruptLogException.record(dir, "incarnation record", "is 0");
        return incarnation;
    }
}
