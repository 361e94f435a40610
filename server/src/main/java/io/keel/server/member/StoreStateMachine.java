package io.keel.server.member;

import com.google.protobuf.ByteString;
import io.keel.raft.proto.ConfState;
import io.keel.raft.proto.Entry;
import io.keel.raft.proto.SnapshotMetadata;
import io.keel.raft.runtime.StateMachine;
import io.keel.server.auth.AuthApplier;
import io.keel.server.auth.AuthState;
import io.keel.server.membership.DirectoryApplier;
import io.keel.server.membership.MemberDirectory;
import io.keel.server.proto.ClientOp;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.MvccStore;
import io.keel.storage.mvcc.api.ApplyResult;
import io.keel.storage.mvcc.api.Operation;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The member's state machine: committed entries applied to the MVCC store, one write per batch (data and applied
 * index together, not fsynced: the Raft log is the durable record), with the auth state and the member directory
 * applying their own entries, and the entry listener (the lessor's deadlines) told of every entry before anyone is
 * answered. Apply stage only.
 *
 * <p>It also has the Raft log compacted once the applied index is {@code snapshotEntries} past the log's first
 * index: {@link LogCompaction} first syncs the store, which is then durable through that index, so the entries
 * before it are no longer needed here (a follower that needs them gets a store snapshot instead); it does so on a
 * thread of its own, while this one goes on applying.
 */
final class StoreStateMachine implements StateMachine<EntryOutcome> {
    /** Told of every entry applied, before the proposal waiting for it is answered (the lessor's deadlines). */
    interface EntryListener {
        void applied(MvccStore store, Entry entry, Operation op, ApplyResult result);
    }

    private final StoreRef store;
    private final RocksLogStorage log;
    private final SnapshotInstaller installer;
    private final long snapshotEntries;
    private final LogCompaction compaction;
    private final EntryListener entryListener;
    private final DirectoryApplier directory;
    private final AuthApplier auth;
    private final MemberObserver observer;
    /**
     * Told after every applied batch and every installed snapshot, once the store holds it (the watch hub, lease
     * waiters): each only wakes threads that read the store, so it may run before the batch's writes are answered.
     */
    private final Runnable afterApply;
    private ConfState confState; // the configuration as of the last entry applied (or snapshot installed)
    /** The last batch's entries, each parsed once: {@link #originRequest} is asked right after {@link #apply}. */
    private List<Entry> batchEntries = List.of();
    private ClientOp[] batchOps = new ClientOp[0];

    StoreStateMachine(StoreRef store, RocksLogStorage log, ConfState initialConfState, SnapshotInstaller installer,
                      long snapshotEntries, LogCompaction compaction, EntryListener entryListener, DirectoryApplier directory, AuthApplier auth,
                      MemberObserver observer, Runnable afterApply) {
        this.store = store;
        this.log = log;
        this.confState = initialConfState;
        this.installer = installer;
        this.snapshotEntries = snapshotEntries;
        this.compaction = compaction;
        this.entryListener = entryListener;
        this.directory = directory;
        this.auth = auth;
        this.observer = observer;
        this.afterApply = afterApply;
    }

    @Override
    public List<EntryOutcome> apply(List<Entry> entries, ConfState newConfState) {
        List<EntryOutcome> outcomes = new ArrayList<>(entries.size());
        MvccStore s = store.current();
        if (!entries.isEmpty()) {
            List<Operation> ops = new ArrayList<>(entries.size());
            ClientOp[] clientOps = new ClientOp[entries.size()]; // each entry parsed once
            long storeApplied = s.appliedIndex();
            for (int i = 0; i < entries.size(); i++) {
                clientOps[i] = OperationCodec.clientOpOf(entries.get(i));
                // auth entries: the auth state's; member entries: the directory's
                Operation authOp = auth.operation(entries.get(i), clientOps[i], storeApplied);
                ops.add(authOp != null ? authOp : directory.operation(entries.get(i), clientOps[i], storeApplied));
            }
            batchEntries = entries;
            batchOps = clientOps;
            long start = System.nanoTime();
            List<ApplyResult> results = s.applyAll(entries.get(0).getIndex(), ops);
            observer.applied(entries.size(), System.nanoTime() - start);
            directory.applied();
            auth.applied();
            for (int i = 0; i < results.size(); i++) {
                ApplyResult r = results.get(i);
                entryListener.applied(s, entries.get(i), ops.get(i), r);
                RuntimeException refusal = r.error();
                if (refusal == null) refusal = auth.refusal(r.raftIndex());
                outcomes.add(new EntryOutcome(r.response(), refusal));
            }
        }
        if (newConfState != null) confState = newConfState;
        if (entries.isEmpty()) return outcomes;
        long last = entries.get(entries.size() - 1).getIndex();
        if (last - log.firstIndex() >= snapshotEntries) compaction.compactThrough(s, last, confState);
        afterApply.run();
        return outcomes;
    }

    @Override
    public void installSnapshot(SnapshotMetadata snapshot) {
        compaction.awaitIdle(); // a running round syncs the store about to be replaced
        installer.install(store);
        confState = snapshot.getConfState();
        directory.reloaded(MemberDirectory.decode(store.current().clusterRecord()));
        auth.reloaded(AuthState.decode(store.current().authRecord()));
        afterApply.run();
    }

    @Override
    public ByteString tagOrigin(ByteString data, long member, long request) {
        return data.concat(OperationCodec.origin(member, request));
    }

    /**
     * Where a member's request ids of forwarded writes start: a random value per start (so an entry forwarded before
     * a restart, applied again after it, never matches a new request), never negative, since
     * {@link #originRequest} answers -1 for "not this member's" (half of all random starts were negative: their
     * forwarded writes were never answered and waited out their deadline).
     */
    static long firstRequestId(RandomGenerator random) {
        return random.nextLong() >>> 1;
    }

    /** The request id of {@code entry}'s origin tag when {@code member} forwarded it, or -1 (ids are never negative). */
    @Override
    public long originRequest(Entry entry, long member) {
        long offset = batchEntries.isEmpty() ? -1 : entry.getIndex() - batchEntries.get(0).getIndex();
        ClientOp op = offset >= 0 && offset < batchOps.length && batchEntries.get((int) offset) == entry
                ? batchOps[(int) offset] : OperationCodec.clientOpOf(entry);
        OperationCodec.Origin origin = OperationCodec.originOf(op);
        return origin != null && origin.member() == member ? origin.request() : -1;
    }
}
