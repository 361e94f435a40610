package io.keel.server.member;

import io.keel.server.RequestTimeoutException;
import io.keel.storage.mvcc.api.PutResponse;
import io.keel.storage.mvcc.api.Response;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A follower's forwarded writes: answered when their entry applies here, or failed at their deadline. */
class ForwardedProposalsTest {

    @Test
    void aForwardedWriteCompletesWhenItsEntryAppliesAndLeavesNothingBehind() throws Exception {
        Proposals proposals = new Proposals();
        CompletableFuture<Response> write = new CompletableFuture<>();
        proposals.forwarded(42, write, null);
        assertTrue(proposals.anyForwarded());
        proposals.appliedForwarded(41, new PutResponse(7, null), null); // someone else's request id: not ours
        assertFalse(write.isDone());
        PutResponse response = new PutResponse(8, null);
        proposals.appliedForwarded(42, response, null);
        assertSame(response, write.get(1, TimeUnit.SECONDS));
        assertFalse(proposals.anyForwarded());
    }

    @Test
    void aForwardTheLeaderDroppedFailsWithAnUnknownOutcomeAtTheRequestsDeadline() {
        Proposals proposals = new Proposals();
        CompletableFuture<Response> write = new CompletableFuture<>();
        // The request's one timer (armed where the member admits it) ends the forward too.
        RequestTimer timer = RequestTimer.arm(write, RequestDeadline.after(Duration.ofMillis(50)), 1);
        assertTrue(timer.stage(RequestTimer.Stage.FORWARDED));
        proposals.forwarded(7, write, null);
        ExecutionException e = assertThrows(ExecutionException.class, () -> write.get(60, TimeUnit.SECONDS));
        assertInstanceOf(RequestTimeoutException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("may still apply"), e.getCause().getMessage());
        assertFalse(proposals.anyForwarded(), "the timed-out write no longer waits");
        proposals.appliedForwarded(7, new PutResponse(9, null), null); // applied late: nobody to tell, no error
    }

    @Test
    void onlyWritesThatMayApplyTwiceAreOfferedForResendingAfterALeaderChange() throws Exception {
        Proposals proposals = new Proposals();
        CompletableFuture<Response> keepAlive = new CompletableFuture<>();
        CompletableFuture<Response> put = new CompletableFuture<>();
        ByteString tagged = ByteString.copyFromUtf8("renew lease 5, from member 1 request 8");
        proposals.forwarded(8, keepAlive, tagged);
        proposals.forwarded(9, put, null);
        assertEquals(List.of(tagged), proposals.resendableAfterLeaderChange(), "a put must apply at most once");
        proposals.appliedForwarded(8, new PutResponse(3, null), null);
        assertTrue(keepAlive.isDone());
        assertEquals(List.of(), proposals.resendableAfterLeaderChange(), "an answered keep-alive is not resent");
    }
}
