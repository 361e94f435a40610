package io.keel.server.member;

import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.storage.mvcc.api.LeaseCheckpointRequest;
import io.keel.storage.mvcc.api.LeaseExpireBatchRequest;
import io.keel.storage.mvcc.api.LeaseExpireRequest;
import io.keel.storage.mvcc.api.LeaseGrantRequest;
import io.keel.storage.mvcc.api.LeaseRenewRequest;
import io.keel.storage.mvcc.api.LeaseRevokeRequest;
import io.keel.storage.mvcc.api.Operation;
import io.keel.storage.mvcc.api.PutRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Lease operations survive the trip through a Raft entry's bytes, every field included. */
class OperationCodecLeaseTest {
    private static Operation roundTrip(Operation op) {
        Entry e = Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(7).setTerm(2)
                .setData(OperationCodec.encode(op)).build();
        return OperationCodec.decode(e);
    }

    @Test
    void leaseOperationsRoundTrip() {
        for (Operation op : List.of(new LeaseGrantRequest(0, 5), new LeaseGrantRequest(-3, 9_000_000_000L),
                new LeaseRevokeRequest(42), new LeaseRenewRequest(Long.MAX_VALUE),
                new LeaseExpireRequest(17, 123_456),
                new LeaseExpireBatchRequest(List.of(new LeaseExpireRequest(17, 123_456),
                        new LeaseExpireRequest(Long.MAX_VALUE, 0))),
                new LeaseCheckpointRequest(List.of(new LeaseCheckpointRequest.Checkpoint(3, 299_001),
                        new LeaseCheckpointRequest.Checkpoint(Long.MIN_VALUE, 0))))) {
            assertEquals(op, roundTrip(op));
        }
        PutRequest put = (PutRequest) roundTrip(PutRequest.of("k".getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8)).withLease(99));
        assertEquals(99, put.lease());
    }

    /**
     * An expiry entry of the older kind (one lease: ClientOp field 8) still decodes as it did, and the batch has a
     * field of its own (22) beside the alarm (20) and auth (21) entries.
     */
    @Test
    void theOlderSingleExpiryEntryStillReadsAndTheBatchHasItsOwnField() throws Exception {
        io.keel.server.proto.ClientOp old = io.keel.server.proto.ClientOp.newBuilder()
                .setLeaseExpire(io.keel.server.proto.LeaseExpireOp.newBuilder().setId(5).setUnrenewedSince(9)).build();
        Entry e = Entry.newBuilder().setType(EntryType.ENTRY_NORMAL).setIndex(7).setTerm(2)
                .setData(old.toByteString()).build();
        assertEquals(new LeaseExpireRequest(5, 9), OperationCodec.decode(e));
        assertEquals(22, io.keel.server.proto.ClientOp.LEASE_EXPIRE_BATCH_FIELD_NUMBER);
        assertEquals(8, io.keel.server.proto.ClientOp.LEASE_EXPIRE_FIELD_NUMBER);
    }
}
