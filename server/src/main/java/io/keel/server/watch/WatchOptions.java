package io.keel.server.watch;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What to watch, with etcd's WatchCreateRequest semantics: {@code key} alone, or {@code [key, rangeEnd)} ({@code
 * "\0"} as rangeEnd: every key from {@code key} on); from {@code startRevision} (0: the next revision); optionally
 * with each change's previous version, without PUT or DELETE events, with periodic progress notifications, with
 * large responses split into fragments (gRPC only), and with a watch id chosen by the client (0: assigned).
 */
public record WatchOptions(byte[] key, byte[] rangeEnd, long startRevision, boolean prevKv, boolean noPut,
                           boolean noDelete, boolean progressNotify, boolean fragment, long watchId) {

    private static final byte[] EMPTY = new byte[0];

    /** Every option explicitly; the factories below and the {@code with...} methods are shorter. */
    public WatchOptions {
        key = key == null ? EMPTY : key;
        rangeEnd = rangeEnd == null ? EMPTY : rangeEnd;
    }

    /** One key (UTF-8), from the next revision. */
    public static WatchOptions key(String key) {
        return key(utf8(key));
    }

    /** One key, from the next revision. */
    public static WatchOptions key(byte[] key) {
        return new WatchOptions(key, EMPTY, 0, false, false, false, false, false, 0);
    }

    /** Every key starting with {@code prefix} (etcd's range end for a prefix). */
    public static WatchOptions prefix(String prefix) {
        io.keel.storage.mvcc.api.KeyRange r = io.keel.storage.mvcc.api.KeyRange.prefix(utf8(prefix));
        return range(r.key(), r.rangeEnd());
    }

    /** Keys in {@code [key, rangeEnd)}, from the next revision. */
    public static WatchOptions range(byte[] key, byte[] rangeEnd) {
        return new WatchOptions(key, rangeEnd, 0, false, false, false, false, false, 0);
    }

    /** Replays history from {@code revision} (inclusive) before live changes; it must not be compacted. */
    public WatchOptions fromRevision(long revision) {
        return new WatchOptions(key, rangeEnd, revision, prevKv, noPut, noDelete, progressNotify, fragment, watchId);
    }

    /** Each event also carries the key's previous version ({@link io.keel.storage.mvcc.api.Event#prevKv()}). */
    public WatchOptions withPrevKv() {
        return new WatchOptions(key, rangeEnd, startRevision, true, noPut, noDelete, progressNotify, fragment,
                watchId);
    }

    /** No PUT events (deletes only). */
    public WatchOptions withoutPuts() {
        return new WatchOptions(key, rangeEnd, startRevision, prevKv, true, noDelete, progressNotify, fragment,
                watchId);
    }

    /** No DELETE events (puts only). */
    public WatchOptions withoutDeletes() {
        return new WatchOptions(key, rangeEnd, startRevision, prevKv, noPut, true, progressNotify, fragment,
                watchId);
    }

    /**
     * While idle, the listener's {@link WatchListener#onProgress} is called every watch progress interval
     * ({@link io.keel.server.Keel.Builder#watchProgressInterval}).
     */
    public WatchOptions withProgressNotify() {
        return new WatchOptions(key, rangeEnd, startRevision, prevKv, noPut, noDelete, true, fragment, watchId);
    }

    /** Large responses split into fragments (etcd's fragment option; meaningful over gRPC only). */
    public WatchOptions withFragment() {
        return new WatchOptions(key, rangeEnd, startRevision, prevKv, noPut, noDelete, progressNotify, true,
                watchId);
    }

    /** The watch id the client chose (gRPC; 0: one is assigned). */
    public WatchOptions withWatchId(long id) {
        return new WatchOptions(key, rangeEnd, startRevision, prevKv, noPut, noDelete, progressNotify, fragment, id);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WatchOptions w && Arrays.equals(key, w.key) && Arrays.equals(rangeEnd, w.rangeEnd)
                && startRevision == w.startRevision && prevKv == w.prevKv && noPut == w.noPut
                && noDelete == w.noDelete && progressNotify == w.progressNotify && fragment == w.fragment
                && watchId == w.watchId;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(key) + Arrays.hashCode(rangeEnd)) + Long.hashCode(startRevision);
    }

    @Override
    public String toString() {
        return "WatchOptions[key=" + new String(key, StandardCharsets.UTF_8) + ", rangeEnd="
                + new String(rangeEnd, StandardCharsets.UTF_8) + ", startRevision=" + startRevision + ", prevKv="
                + prevKv + ", noPut=" + noPut + ", noDelete=" + noDelete + ", progressNotify=" + progressNotify
                + ", fragment=" + fragment + ", watchId=" + watchId + "]";
    }
}
