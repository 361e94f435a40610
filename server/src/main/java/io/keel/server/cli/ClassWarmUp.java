package io.keel.server.cli;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.keel.server.etcd.proto.ClusterGrpc;
import io.keel.server.etcd.proto.KVGrpc;
import io.keel.server.etcd.proto.LeaseGrpc;
import io.keel.server.etcd.proto.MaintenanceGrpc;
import io.keel.server.etcd.proto.WatchGrpc;

/**
 * Loads and initializes the client API's classes (gRPC, its shaded Netty, etcd's generated services and messages)
 * on a thread of its own while the main thread opens the member's storage: a restarted member otherwise loads them
 * one after the other, after its storage, and serves that much later (issue 14). Only a head start: whatever is not
 * loaded yet when the client API opens is loaded then, as before.
 */
final class ClassWarmUp {
    private ClassWarmUp() {
    }

    static void start() {
        Thread t = new Thread(ClassWarmUp::load, "keel-class-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /**
     * At the launcher's entry, for a member's start: logback's configuration and RocksDB's native library, which the
     * member needs first, load on a thread of their own while the main thread reads the flags (picocli). Both are
     * idempotent and thread-safe; a failure here is left for the member's own start to meet and report.
     */
    static void startEarly() {
        Thread t = new Thread(() -> {
            try {
                org.slf4j.LoggerFactory.getILoggerFactory();
                io.keel.storage.RocksLibrary.load();
            } catch (RuntimeException | LinkageError e) {
                // Reported where the member loads them itself.
            }
        }, "keel-early-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private static void load() {
        try {
            KVGrpc.getServiceDescriptor();
            WatchGrpc.getServiceDescriptor();
            LeaseGrpc.getServiceDescriptor();
            ClusterGrpc.getServiceDescriptor();
            MaintenanceGrpc.getServiceDescriptor();
            io.keel.server.etcd.proto.PutRequest.getDefaultInstance();
            io.keel.server.etcd.proto.RangeRequest.getDefaultInstance();
            io.keel.server.etcd.proto.WatchRequest.getDefaultInstance();
            NettyServerBuilder.forPort(0); // a builder only: nothing is bound
        } catch (RuntimeException | LinkageError e) {
            // Nothing depends on this: the classes load on first use instead.
        }
    }
}
