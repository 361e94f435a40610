package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.RaftNode;
import io.keel.raft.log.MemoryStorage;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.EntryType;
import io.keel.raft.proto.Message;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.raft.runtime.Clock;
import io.keel.raft.runtime.Completion;
import io.keel.raft.runtime.LogStore;
import io.keel.raft.runtime.MemberRuntime;
import io.keel.raft.runtime.Refusal;
import io.keel.raft.runtime.RuntimeObserver;
import io.keel.raft.runtime.StateMachine;
import io.keel.storage.mvcc.api.PutResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A member runtime on a real raft thread ({@link RaftLoop} as its raft stage, {@link ServerStages}), for the member
 * package's tests: the node, log and clock are the test's; the apply stage and the reads each get a thread of their
 * own; what the runtime sends is recorded with the thread it left from.
 */
final class LoopRuntime implements AutoCloseable {
    /** A message the runtime sent, and the thread that sent it. */
    record Sent(Message message, String thread) {
    }

    final RaftLoop loop;
    final MemberRuntime<EntryOutcome> runtime;
    final RecordingMachine machine = new RecordingMachine();
    final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final ExecutorService applyThread = Executors.newSingleThreadExecutor();
    private final ExecutorService readThread = Executors.newSingleThreadExecutor();

    LoopRuntime(RaftNode node, long tickNanos, LogStore log, Clock clock) {
        loop = new RaftLoop(node, tickNanos);
        runtime = new MemberRuntime<>(node, log, machine, messages -> {
            String thread = Thread.currentThread().getName();
            for (Message m : messages) sent.add(new Sent(m, thread));
        }, clock, ServerStages.of(loop, applyThread, readThread), new MemberRuntime.Limits(1000, TimeUnit.MINUTES
                .toNanos(1)), loop.recordingSoftState(RuntimeObserver.NONE), 1);
        loop.start(runtime, Throwable::printStackTrace);
    }

    /** Runs {@code task} on the raft stage and waits for it. */
    <T> T onRaft(Supplier<T> task) {
        return onRaft(loop, task);
    }

    /** Runs {@code task} on {@code raftStage} and waits for it (at most a minute). */
    static <T> T onRaft(Executor raftStage, Supplier<T> task) {
        CompletableFuture<T> done = new CompletableFuture<>();
        raftStage.execute(() -> {
            try {
                done.complete(task.get());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            return done.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the raft stage did not run the task", e);
        }
    }

    /** A log on {@code disk}, durable as soon as it is written (on the raft stage): nothing here is about fsyncs. */
    static LogStore memoryLog(MemoryStorage disk) {
        return (ready, done) -> {
            if (!ready.entries().isEmpty()) disk.append(ready.entries());
            if (ready.hardState() != null) disk.setHardState(ready.hardState());
            done.durable();
        };
    }

    @Override
    public void close() {
        loop.stop();
        applyThread.shutdownNow();
        readThread.shutdownNow();
    }

    /**
     * Records each normal entry's data; answers a write with a put at the entry's index. A forwarded write is tagged
     * " from MEMBER/REQUEST" at its end.
     */
    static final class RecordingMachine implements StateMachine<EntryOutcome> {
        final List<String> applied = new CopyOnWriteArrayList<>();

        @Override
        public List<EntryOutcome> apply(List<Entry> entries, ConfState confState) {
            List<EntryOutcome> results = new ArrayList<>();
            for (Entry e : entries) {
                String data = e.getType() == EntryType.ENTRY_NORMAL ? e.getData().toStringUtf8() : "";
                if (!data.isEmpty()) applied.add(data);
                results.add(new EntryOutcome(new PutResponse(e.getIndex(), null), null));
            }
            return results;
        }

        @Override
        public void installSnapshot(SnapshotMetadata snapshot) {
            throw new UnsupportedOperationException("these tests send no snapshot");
        }

        @Override
        public ByteString tagOrigin(ByteString data, long member, long request) {
            return data.concat(ByteString.copyFromUtf8(" from " + member + "/" + request));
        }

        @Override
        public long originRequest(Entry entry, long member) {
            String data = entry.getData().toStringUtf8();
            String tag = " from " + member + "/";
            int at = data.lastIndexOf(tag);
            return at < 0 ? -1 : Long.parseLong(data.substring(at + tag.length()));
        }
    }

    /** A completion a test waits on: its result, or the refusal (also the result's failure). */
    static final class Answer<T> implements Completion<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final CompletableFuture<Refusal> refusal = new CompletableFuture<>();

        @Override
        public void completed(T value) {
            result.complete(value);
        }

        @Override
        public void refused(Refusal r) {
            refusal.complete(r);
            result.completeExceptionally(r);
        }
    }
}
