package io.keel.raft.sim;

/** A client with at most one operation in flight, like a real client waiting for each answer. */
final class SimClient {
    final int id;
    long leaderHint;
    /** Sends writes to whichever member it picked, which forwards them to the leader (proposeOrForward). */
    boolean forwards;
    int sequence;
    /** The operation in flight, or null when idle. */
    Op op;

    enum Kind { PUT, CAS, GET }

    static final class Op {
        final Kind kind;
        final String key;
        final String value;
        final String expected;
        final long invokedAt;
        final int number;
        SimMember at;
        long index;
        /** The current attempt (each invocation at a member is one): answers to earlier attempts are ignored. */
        long attempt;
        /** The write was forwarded by the member it was sent to. */
        boolean forwarded;

        Op(Kind kind, String key, String value, String expected, long invokedAt, int number) {
            this.kind = kind;
            this.key = key;
            this.value = value;
            this.expected = expected;
            this.invokedAt = invokedAt;
            this.number = number;
        }

        @Override
        public String toString() {
            return switch (kind) {
                case PUT -> "put(" + key + "," + value + ")";
                case CAS -> "cas(" + key + "," + expected + "->" + value + ")";
                case GET -> "get(" + key + ")";
            };
        }
    }

    SimClient(int id) {
        this.id = id;
    }
}
