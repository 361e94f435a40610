package io.keel.transport;

import java.nio.file.Path;

/** A snapshot's bytes as received: a file in the configured snapshot directory, of exactly {@code size} bytes. */
public record ReceivedSnapshot(long from, Path file, long size) {
}
