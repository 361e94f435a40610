package io.keel.raft;

/** How the leader confirms that a read is linearizable. */
public enum ReadMode {
    /** One heartbeat round confirms leadership for a batch of reads (thesis §6.4). Independent of clocks. */
    READ_INDEX,
    /**
     * Reads are answered within the leader lease without a round (thesis §6.4.1). Relies on clock rates staying
     * within the configured drift; the caller re-checks the lease after executing the read.
     *
     * <p>The clock assumption: the monotonic clock passed to {@link RaftNode#tick} advances with real time on every
     * member, give or take the drift bound. {@code System.nanoTime} stops while a VM or machine is suspended, and a
     * leader resumed after a suspension longer than its lease would still believe it holds it; the caller must
     * detect such a jump (the server compares the monotonic clock with the wall clock at every tick, before
     * publishing a lease and when re-checking one) and call {@link RaftNode#clockMayHaveStopped}. Members must
     * also agree on the election timeout and the drift bound: the server refuses peers whose settings differ.
     */
    LEASE
}
