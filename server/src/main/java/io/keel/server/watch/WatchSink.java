package io.keel.server.watch;

/**
 * Where a {@link WatchStream} delivers: a gRPC response stream or an embedded listener. Called from one watch
 * thread at a time. A sink that is not ready is left alone (its watchers stay behind and later catch up from the
 * store); it calls {@link WatchStream#ready()} when it can take more.
 */
public interface WatchSink {
    /** True if {@link #send} may be called now without piling up data. */
    boolean isReady();

    void send(WatchUpdate update);

    /** The stream cannot go on (the member stopped); no more calls follow. */
    void fail(RuntimeException cause);

    /** The stream processed {@code n} requests and has room for as many more (inbound flow control). */
    default void request(int n) {
    }
}
