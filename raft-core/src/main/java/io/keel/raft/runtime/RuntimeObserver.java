package io.keel.raft.runtime;

import io.keel.raft.Ready;

/** What a driver may want to see of the runtime (logs, metrics, the simulation's trace). Raft stage unless noted. */
public interface RuntimeObserver {
    RuntimeObserver NONE = new RuntimeObserver() {
    };

    /** A Ready was handed out by the node, before any of it is acted on. */
    default void readyHandedOut(Ready ready) {
    }

    /** The runtime stopped after a failure (any stage): nothing more will be acknowledged. */
    default void failed(Throwable cause) {
    }
}
