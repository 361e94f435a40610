package io.keel.server.watch;

/** An embedded watch; {@link #close()} cancels it (no listener call starts after close returns). */
public final class Watch implements AutoCloseable {
    private final WatchStream stream;
    private final ListenerSink sink;

    Watch(WatchStream stream, ListenerSink sink) {
        this.stream = stream;
        this.sink = sink;
    }

    /** True once closed, or once the watch ended by itself (see {@link WatchListener#onCanceled}). */
    public boolean isDone() {
        return sink.isDone();
    }

    @Override
    public void close() {
        sink.close();
        stream.close();
    }
}
