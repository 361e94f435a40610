import io.keel.storage.log.MemberIdentity;
import io.keel.storage.log.RocksLogStorage;
import io.keel.storage.mvcc.MvccStore;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * What opening a stopped member's storage costs a fresh JVM, the way a start did it before issue 14's start-up work
 * ("before": the launcher reads the log's identity, which opens and closes its RocksDB, then the member opens the log,
 * then the store) and does it now ("after": the log once, the store on a thread of its own beside it). Prints the
 * step's wall and process CPU milliseconds. Run one JVM per measurement (benchmarks/start-open-cost.sh alternates
 * them), on Keel's distribution class path, against a data directory of a stopped member.
 *
 * Usage: java -cp 'server/target/keel-0.1.0-SNAPSHOT/lib/*' StartOpenCost.java before|after DATA_DIR CLUSTER_ID MEMBER_ID
 * (the ids in hexadecimal, as the launcher prints them: "keel: member m1 (id MEMBER_ID) of cluster CLUSTER_ID").
 */
public class StartOpenCost {
    public static void main(String[] args) throws Exception {
        boolean before = args[0].equals("before");
        Path data = Path.of(args[1]);
        Path logDir = data.resolve("raft-log");
        Path storeDir = data.resolve("store");
        io.keel.storage.RocksLibrary.load(); // both starts load it before (the launcher's early warm-up thread)
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        RocksLogStorage log;
        MvccStore store;
        if (before) {
            MemberIdentity id = RocksLogStorage.identityOf(logDir);
            log = RocksLogStorage.open(logDir, id.clusterId(), id.memberId());
            store = MvccStore.open(storeDir);
        } else {
            // The launcher knows the ids from its flags.
            long clusterId = Long.parseUnsignedLong(args[2], 16);
            long memberId = Long.parseUnsignedLong(args[3], 16);
            CompletableFuture<MvccStore> beside = CompletableFuture.supplyAsync(() -> MvccStore.open(storeDir),
                    r -> new Thread(r, "store-open").start());
            log = RocksLogStorage.open(logDir, clusterId, memberId);
            store = beside.join();
        }
        long wall = (System.nanoTime() - t0) / 1_000_000;
        long cpu = (os.getProcessCpuTime() - cpu0) / 1_000_000;
        store.close();
        log.close();
        System.out.println(args[0] + ": storage opened in " + wall + " ms wall, " + cpu + " ms CPU (load "
                + String.format("%.1f", os.getSystemLoadAverage()) + ")");
    }
}
