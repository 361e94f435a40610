package io.keel.storage.mvcc.api;

/** A read or watch below the compacted revision; carries that revision (a canceled watch reports it). */
public final class RevisionCompactedException extends MvccException {
    private final long compactRevision;

    public RevisionCompactedException(long compactRevision) {
        super(EtcdError.COMPACTED);
        this.compactRevision = compactRevision;
    }

    public long compactRevision() {
        return compactRevision;
    }
}
