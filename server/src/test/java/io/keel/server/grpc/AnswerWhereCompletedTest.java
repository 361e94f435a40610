package io.keel.server.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.keel.server.NotLeaderException;
import io.keel.server.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a KV call's answer is built (issue 12, section 2): a result on the thread that completes it (the apply
 * thread, the read pool), with no hand-off to another thread; a failure on the refusals' executor, since a refusal
 * may come from the raft thread, which must not build answers.
 */
class AnswerWhereCompletedTest {
    @TempDir
    static Path dir;
    private static GrpcTestMember member;
    private static ExecutorService refusals;

    @BeforeAll
    static void start() {
        member = GrpcTestMember.startLeader(dir);
        refusals = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-refusals"));
    }

    @AfterAll
    static void stop() throws Exception {
        refusals.shutdownNow();
        member.close();
    }

    @Test
    void aResultIsAnsweredOnTheThreadThatCompletesIt() throws Exception {
        CompletableFuture<String> pending = new CompletableFuture<>();
        ThreadRecordingObserver observer = new ThreadRecordingObserver();
        EtcdGrpcServer.answerWhereCompleted(member.keel, observer, refusals, () -> pending, r -> r + "!");
        assertTrue(observer.events.isEmpty(), "nothing is answered before the call completes");

        Thread applier = new Thread(() -> pending.complete("applied"), "test-apply");
        applier.start();
        applier.join(TimeUnit.MINUTES.toMillis(1));

        // Answered inside complete(), on the completing thread: no other thread ran it, so it is there on return.
        assertEquals(List.of("next applied! on test-apply", "completed on test-apply"), observer.events);
    }

    @Test
    void aFailureIsAnsweredOnTheRefusalsExecutorNotOnTheCompletingThread() throws Exception {
        CompletableFuture<String> pending = new CompletableFuture<>();
        ThreadRecordingObserver observer = new ThreadRecordingObserver();
        EtcdGrpcServer.answerWhereCompleted(member.keel, observer, refusals, () -> pending, r -> r);

        Thread raft = new Thread(() -> pending.completeExceptionally(new NotLeaderException(1, 0, "lost")),
                "test-raft");
        raft.start();
        raft.join(TimeUnit.MINUTES.toMillis(1));

        Poll.until("the failure is answered", () -> !observer.events.isEmpty());
        assertEquals(1, observer.events.size(), () -> "one answer: " + observer.events);
        String event = observer.events.get(0);
        assertTrue(event.startsWith("error ") && event.endsWith(" on test-refusals"), event);
    }

    @Test
    void aCallCompleteAtOnceIsAnsweredOnTheCallingThread() {
        ThreadRecordingObserver observer = new ThreadRecordingObserver();
        EtcdGrpcServer.answerWhereCompleted(member.keel, observer, refusals,
                () -> CompletableFuture.completedFuture("read"), r -> r);
        String here = Thread.currentThread().getName();
        assertEquals(List.of("next read on " + here, "completed on " + here), observer.events);
    }

    @Test
    void aResponseThatCannotBeBuiltIsAnsweredWithItsStatus() {
        ThreadRecordingObserver observer = new ThreadRecordingObserver();
        EtcdGrpcServer.answerWhereCompleted(member.keel, observer, refusals,
                () -> CompletableFuture.completedFuture("read"), r -> {
                    throw new IllegalStateException("cannot convert");
                });
        assertEquals(1, observer.events.size(), () -> "one answer: " + observer.events);
        assertTrue(observer.events.get(0).startsWith("error "), observer.events.get(0));
    }

    /** Records each event with the name of the thread it came on. */
    private static final class ThreadRecordingObserver implements StreamObserver<String> {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onNext(String value) {
            events.add("next " + value + " on " + Thread.currentThread().getName());
        }

        @Override
        public void onError(Throwable t) {
            events.add("error " + Status.fromThrowable(t).getCode() + " on " + Thread.currentThread().getName());
        }

        @Override
        public void onCompleted() {
            events.add("completed on " + Thread.currentThread().getName());
        }
    }
}
