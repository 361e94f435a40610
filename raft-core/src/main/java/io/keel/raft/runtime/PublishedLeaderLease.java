package io.keel.raft.runtime;

/**
 * The leader lease as the raft stage last published it, for reads on other stages: a lease read is answered only
 * if, after it executed, the member still holds its lease in the term it was answered in. Published after every
 * input and every Ready, before any of that step's messages leave, so it is never later than the node's own view
 * (ReadState's contract). {@code clockMark}: the clock's {@link Clock#suspensionMark()} when it was published, so a
 * reader can tell whether the clock stood still since.
 */
public record PublishedLeaderLease(long expiresAt, long term, long clockMark) {
    public static final PublishedLeaderLease NONE = new PublishedLeaderLease(Long.MIN_VALUE, 0);

    public PublishedLeaderLease(long expiresAt, long term) {
        this(expiresAt, term, 0);
    }

    /** Whether the lease of {@code term} still holds at {@code now} (the member's monotonic clock). */
    public boolean holds(long term, long now) {
        return this.term == term && expiresAt - now > 0 && expiresAt != Long.MIN_VALUE;
    }
}
