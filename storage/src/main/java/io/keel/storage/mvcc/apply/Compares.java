package io.keel.storage.mvcc.apply;

import io.keel.storage.mvcc.api.Compare;
import io.keel.storage.mvcc.api.KeyValue;
import io.keel.storage.mvcc.api.Keys;
import io.keel.storage.mvcc.read.RevisionReader;
import java.util.List;

/** etcd's applyCompare: every key of the compare's range must satisfy it. */
final class Compares {
    private Compares() {}

    static boolean allHold(RevisionReader reader, List<Compare> compares) {
        for (Compare c : compares) {
            if (!holds(reader, c)) {
                return false;
            }
        }
        return true;
    }

    static boolean holds(RevisionReader reader, Compare c) {
        if (c.range().isSingleKey() && c.target() != Compare.Target.VALUE) {
            // A configuration master's compare-and-swap (mod or create revision of one key): no value needed.
            return holds(c, reader.currentWithoutValue(c.range().key()));
        }
        List<KeyValue> kvs = reader.scan(c.range(), reader.currentRevision(), 0, false).kvs();
        if (kvs.isEmpty()) {
            // A missing key has no value to compare (empty and absent look alike in gRPC), so VALUE fails;
            // the other targets compare the missing key as zeros, so "version == 0" means "does not exist".
            return c.target() != Compare.Target.VALUE && holds(c, null);
        }
        for (KeyValue kv : kvs) {
            if (!holds(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean holds(Compare c, KeyValue kv) {
        int result = switch (c.target()) {
            case VALUE -> Keys.compare(kv.value(), c.value());
            case VERSION -> Long.compare(kv == null ? 0 : kv.version(), c.number());
            case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(), c.number());
            case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(), c.number());
            case LEASE -> Long.compare(kv == null ? 0 : kv.lease(), c.number());
        };
        return switch (c.result()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
        };
    }
}
