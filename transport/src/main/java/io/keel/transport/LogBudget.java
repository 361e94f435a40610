package io.keel.transport;

/**
 * A token bucket for warnings that outsiders can cause (a peer's bad frames, a client's refused TLS handshakes):
 * a burst of 20 lines, then two a second. Whoever logs asks before each line and says how many were left out, so
 * a flood keeps the log readable without hiding that it happened. Used by the transport and the client port.
 */
public final class LogBudget {
    private static final int BURST = 20;
    private static final long REFILL_NANOS = 500_000_000L; // one more line every half second

    private int tokens = BURST;
    private long lastRefill = System.nanoTime();
    private long suppressed;

    /**
     * Takes one line's token: returns how many lines were left out since the last one logged (0 or more), or -1
     * when this line must be left out too.
     */
    public synchronized long take() {
        long now = System.nanoTime();
        long earned = (now - lastRefill) / REFILL_NANOS;
        if (earned > 0) {
            tokens = (int) Math.min(BURST, tokens + earned);
            lastRefill += earned * REFILL_NANOS;
        }
        if (tokens == 0) {
            suppressed++;
            return -1;
        }
        tokens--;
        long left = suppressed;
        suppressed = 0;
        return left;
    }
}
