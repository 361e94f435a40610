package io.keel.server.space;

import io.keel.server.member.Member;
import io.keel.storage.mvcc.api.AlarmMember;
import io.keel.storage.mvcc.api.AlarmRequest;
import io.keel.storage.mvcc.api.AlarmType;
import io.keel.storage.mvcc.api.EtcdError;
import io.keel.storage.mvcc.api.MvccException;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.QuotaCost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * etcd's backend quota ({@code --quota-backend-bytes}), checked at the member a client sent its write to, before the
 * write is proposed: a write that adds data ({@link QuotaCost}) and would take this member's store to the quota or
 * past it is refused with {@code etcdserver: mvcc: database space exceeded} once this member has raised the NOSPACE
 * alarm through Raft (as etcd answers: {@link #refusal}); lease grants as well. From the moment the alarm applies,
 * every member refuses such writes as it applies them (the store's capped apply), until an operator disarms it;
 * reads, deletes and compaction go on.
 *
 * <p>The store's size is {@link MvccStore#spaceUsed()} (live SST files and memtables), re-read at most every
 * {@value #MEASURE_EVERY_MS} ms: a few writes may slip past the quota by that much, as they may in etcd between its
 * check and its apply.
 */
public final class SpaceQuota {
    private static final Logger LOG = LoggerFactory.getLogger(SpaceQuota.class);
    /** etcd's DefaultQuotaBytes: 2 GiB. */
    public static final long DEFAULT_BYTES = 2L * 1024 * 1024 * 1024;
    /** etcd's MaxQuotaBytes: larger quotas are allowed, with a warning. */
    public static final long SUGGESTED_MAX_BYTES = 8L * 1024 * 1024 * 1024;
    static final long MEASURE_EVERY_MS = 100;

    private final Member member;
    private final long quotaBytes;
    /** The alarm's proposal on its way, if any: the writes refused meanwhile wait for it too. */
    private final AtomicReference<CompletableFuture<Object>> raising = new AtomicReference<>();
    private volatile long measured = -1;
    private volatile long measuredAtNanos;

    public SpaceQuota(Member member, long quotaBytes) {
        if (quotaBytes <= 0) throw new IllegalArgumentException("the space quota must be positive, was " + quotaBytes);
        this.member = member;
        this.quotaBytes = quotaBytes;
        if (quotaBytes > SUGGESTED_MAX_BYTES) {
            LOG.warn("member {}: the space quota of {} bytes is above the {} bytes etcd suggests at most",
                    Long.toHexString(member.id()), quotaBytes, SUGGESTED_MAX_BYTES);
        }
    }

    public long quotaBytes() {
        return quotaBytes;
    }

    /**
     * Null when a write etcd's quota counts as {@code cost} bytes fits; otherwise a future that fails with
     * NO_SPACE once this member's NOSPACE alarm has been raised through Raft (applied here, or its proposal failed).
     * etcd raises the alarm before it answers "database space exceeded" (its quotaAlarmer waits for the alarm
     * request), so a client that lists the alarms right after the refusal sees NOSPACE; answered at once, as before,
     * etcd's e2e TestCtlV3Alarm failed when its `alarm list` came before the alarm's entry applied.
     */
    public CompletableFuture<Void> refusal(long cost) {
        if (cost == 0) return null;
        long used = used();
        if (used + cost < quotaBytes) return null;
        return raiseAlarm(used)
                .thenCompose(raised -> CompletableFuture.failedFuture(new MvccException(EtcdError.NO_SPACE)));
    }

    /** The store's size as last measured (at most {@value #MEASURE_EVERY_MS} ms old). */
    public long used() {
        long now = System.nanoTime();
        long last = measured;
        if (last < 0 || now - measuredAtNanos > MEASURE_EVERY_MS * 1_000_000) {
            last = member.readSerializable(MvccStore::spaceUsed);
            measured = last;
            measuredAtNanos = now;
        }
        return last;
    }

    /** Raises this member's NOSPACE alarm unless it is raised or being raised; completes once it is (or failed). */
    private CompletableFuture<?> raiseAlarm(long used) {
        AlarmMember mine = new AlarmMember(member.id(), AlarmType.NOSPACE);
        if (member.readSerializable(MvccStore::alarms).contains(mine)) return CompletableFuture.completedFuture(null);
        CompletableFuture<Object> mineNow = new CompletableFuture<>();
        CompletableFuture<Object> inFlight = raising.compareAndExchange(null, mineNow);
        if (inFlight != null) return inFlight;
        LOG.warn("member {}: the store holds {} bytes, at its quota of {} bytes: raising the NOSPACE alarm;"
                + " compact, defragment and disarm it to write again", Long.toHexString(member.id()), used,
                quotaBytes);
        member.propose(new AlarmRequest(AlarmRequest.Action.ACTIVATE, member.id(), AlarmType.NOSPACE))
                .whenComplete((r, e) -> {
                    raising.set(null);
                    if (e != null) LOG.warn("member {}: raising the NOSPACE alarm failed ({}); the next write over"
                            + " the quota tries again", Long.toHexString(member.id()), e.toString());
                    mineNow.complete(null);
                });
        return mineNow;
    }
}
