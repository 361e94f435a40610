package io.keel.raft;

/** How the leader confirms that a read is linearizable. */
public enum ReadMode {
    /** One heartbeat round confirms leadership for a batch of reads (thesis §6.4). Independent of clocks. */
    READ_INDEX,
    /**
     * Reads are answered within the leader lease without a round (thesis §6.4.1). Relies on clock rates staying
     * within the configured drift; the caller re-checks the lease after executing the read.
     */
    LEASE
}
