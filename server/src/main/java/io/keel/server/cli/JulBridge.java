package io.keel.server.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * gRPC and its shaded Netty log through java.util.logging, which nothing in the launcher configured: their INFO
 * lines (for example "Epoll available during static init of TcpMetrics") reached standard error in
 * java.util.logging's own two-line format, beside the member's log. The launcher routes them into SLF4J, so they
 * take conf/logback.xml's format and levels (io.grpc at WARN there). An embedding program keeps its own logging:
 * only the launcher calls this.
 */
final class JulBridge {
    private JulBridge() {
    }

    static void install() {
        if (SLF4JBridgeHandler.isInstalled()) return;
        SLF4JBridgeHandler.removeHandlersForRootLogger(); // java.util.logging's console handler
        SLF4JBridgeHandler.install();
    }
}
