package io.keel.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.keel.server.Poll;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.LeaseGrantRequest;
import io.keel.server.etcd.proto.LeaseGrantResponse;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.LeaseKeepAliveRequest;
import io.keel.server.etcd.proto.LeaseKeepAliveResponse;
import io.keel.server.etcd.proto.LeaseLeasesRequest;
import io.keel.server.etcd.proto.LeaseRevokeRequest;
import io.keel.server.etcd.proto.LeaseRevokeResponse;
import io.keel.server.etcd.proto.LeaseStatus;
import io.keel.server.etcd.proto.LeaseTimeToLiveRequest;
import io.keel.server.etcd.proto.LeaseTimeToLiveResponse;
import io.keel.server.etcd.proto.PutRequest;
import io.keel.server.etcd.proto.RangeRequest;
import io.keel.server.etcd.proto.RangeResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd's Lease service over gRPC, with generated stubs, against one member that leads. */
class LeaseServiceTest {
    @RegisterExtension
    static final LeaderForClass member = new LeaderForClass();


    static LeaseGrpc.LeaseBlockingStub lease() {
        return LeaseGrpc.newBlockingStub(member.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(member.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static long grant(long id, long ttl) {
        return lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build()).getID();
    }

    static void put(String key, long lease) {
        kv().put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs("v")).setLease(lease).build());
    }

    static RangeResponse get(String key, long revision) {
        return kv().range(RangeRequest.newBuilder().setKey(bs(key)).setRevision(revision).build());
    }

    @Test
    void grantWithOrWithoutAnId() {
        LeaseGrantResponse picked = lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build());
        assertTrue(picked.getID() > 0, "the cluster picks a positive id");
        assertEquals(60, picked.getTTL());
        assertEquals(member.keel().memberId(), picked.getHeader().getMemberId());
        LeaseGrantResponse second = lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build());
        assertTrue(second.getID() > 0 && second.getID() != picked.getID());

        LeaseGrantResponse chosen = lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(4242).setTTL(30).build());
        assertEquals(4242, chosen.getID());
        StatusRuntimeException exists = assertThrows(StatusRuntimeException.class, () -> grant(4242, 30));
        assertEquals(Status.Code.FAILED_PRECONDITION, exists.getStatus().getCode());
        assertEquals("etcdserver: lease already exists", exists.getStatus().getDescription());
        StatusRuntimeException tooLarge = assertThrows(StatusRuntimeException.class, () -> grant(0, 9_000_000_001L));
        assertEquals(Status.Code.OUT_OF_RANGE, tooLarge.getStatus().getCode());
        assertEquals("etcdserver: too large lease TTL", tooLarge.getStatus().getDescription());
    }

    @Test
    void aTtlBelowTheMinimumIsRaisedToIt() {
        // etcd's minimum: 1.5 election timeouts (800 ms here), rounded up to whole seconds.
        LeaseGrantResponse r = lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(1).build());
        assertEquals(2, r.getTTL());
        LeaseTimeToLiveResponse ttl = lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(r.getID())
                .build());
        assertEquals(2, ttl.getGrantedTTL());
    }

    @Test
    void timeToLiveWithKeysAndLeases() {
        long id = grant(0, 100);
        put("ttl/b", id);
        put("ttl/a", id);
        LeaseTimeToLiveResponse r = lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id)
                .setKeys(true).build());
        assertEquals(id, r.getID());
        assertEquals(100, r.getGrantedTTL());
        assertTrue(r.getTTL() > 0 && r.getTTL() <= 100, "remaining " + r.getTTL());
        assertEquals(List.of(bs("ttl/a"), bs("ttl/b")), r.getKeysList());
        LeaseTimeToLiveResponse noKeys = lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id)
                .build());
        assertEquals(0, noKeys.getKeysCount());

        LeaseTimeToLiveResponse unknown = lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(777)
                .build());
        assertEquals(-1, unknown.getTTL(), "etcd answers TTL -1 for a lease it does not know");
        assertEquals(777, unknown.getID());

        List<Long> ids = lease().leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList().stream()
                .map(LeaseStatus::getID).toList();
        assertTrue(ids.contains(id), ids.toString());
    }

    @Test
    void putWithAnUnknownLeaseIsRefused() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> put("orphan", 31337));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("etcdserver: requested lease not found", e.getStatus().getDescription());
    }

    @Test
    void revokeDeletesTheKeysAtOneRevision() {
        long id = grant(0, 100);
        put("rev/a", id);
        put("rev/b", id);
        LeaseRevokeResponse r = lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
        long revision = r.getHeader().getRevision();
        assertEquals(0, get("rev/a", 0).getCount());
        assertEquals(0, get("rev/b", 0).getCount());
        assertEquals(1, get("rev/a", revision - 1).getCount(), "both keys lived until the revoke's revision");
        assertEquals(1, get("rev/b", revision - 1).getCount());
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class,
                () -> lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
        assertEquals(Status.Code.NOT_FOUND, again.getStatus().getCode());
        assertEquals("etcdserver: requested lease not found", again.getStatus().getDescription());
        assertEquals(-1, lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build()).getTTL());
    }

    @Test
    void keepAliveStreamAnswersTheTtlAndZeroForAnUnknownLease() throws Exception {
        long id = grant(0, 50);
        QueueingObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> answers = new QueueingObserver<>();
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(member.channel()).leaseKeepAlive(answers);
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(999_999).build());
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        LeaseKeepAliveResponse first = (LeaseKeepAliveResponse) answers.poll(60);
        LeaseKeepAliveResponse unknown = (LeaseKeepAliveResponse) answers.poll(60);
        LeaseKeepAliveResponse third = (LeaseKeepAliveResponse) answers.poll(60);
        assertNotNull(first);
        assertEquals(id, first.getID());
        assertEquals(50, first.getTTL());
        assertEquals(member.keel().clusterId(), first.getHeader().getClusterId());
        assertEquals(999_999, unknown.getID());
        assertEquals(0, unknown.getTTL(), "etcd answers TTL 0 for a lease it does not know");
        assertEquals(50, third.getTTL());
        requests.onCompleted();
        assertEquals("completed", answers.poll(60));
    }

    @Test
    void anExpiredLeaseDeletesItsKeysAtOneRevision() {
        long id = grant(0, 2);
        put("exp/a", id);
        put("exp/b", id);
        put("exp/other", 0);
        long before = member.keel().revision();
        Poll.until("the lease expires and its keys go", () -> get("exp/a", 0).getCount() == 0);
        assertEquals(0, get("exp/b", 0).getCount());
        assertEquals(1, get("exp/other", 0).getCount());
        assertEquals(-1, lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build()).getTTL());
        long deletedAt = firstRevisionWithout("exp/a", before);
        assertEquals(deletedAt, firstRevisionWithout("exp/b", before), "both keys were deleted at one revision");
    }

    /** The first revision after {@code from} at which {@code key} no longer exists. */
    private static long firstRevisionWithout(String key, long from) {
        long now = member.keel().revision();
        for (long rev = from; rev <= now; rev++) {
            if (get(key, rev).getCount() == 0) return rev;
        }
        throw new AssertionError(key + " still exists at revision " + now);
    }
}
