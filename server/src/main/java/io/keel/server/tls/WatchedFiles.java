package io.keel.server.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Files read again at every TLS handshake, as etcd does, and parsed only when their bytes changed. A change that
 * cannot be read or parsed (a half-written file, a key that does not match yet) keeps what was loaded before and is
 * reported by the caller; the first load has nothing to fall back on and fails.
 *
 * @param <T> what the files parse into
 */
final class WatchedFiles<T> {
    private final List<Path> files;
    private final Function<byte[][], T> parse;
    private byte[][] loadedBytes;
    private T loaded;
    private long generation;

    WatchedFiles(List<Path> files, Function<byte[][], T> parse) {
        this.files = List.copyOf(files);
        this.parse = parse;
    }

    /** Loads the files now: a missing or unreadable file fails the start with its name. */
    synchronized T load() {
        byte[][] bytes;
        try {
            bytes = read();
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        loaded = parse.apply(bytes);
        loadedBytes = bytes;
        generation++;
        return loaded;
    }

    /**
     * What the files hold now; the previous content if they changed into something unreadable.
     *
     * @throws RuntimeException the reason the new content was not taken (the caller logs it and goes on with
     *                          {@link #current()})
     */
    synchronized T refresh() {
        byte[][] bytes = read();
        if (Arrays.deepEquals(bytes, loadedBytes)) return loaded;
        T parsed = parse.apply(bytes);
        loadedBytes = bytes;
        loaded = parsed;
        generation++;
        return loaded;
    }

    synchronized T current() {
        return loaded;
    }

    /** Bumped each time a new content is taken. */
    synchronized long generation() {
        return generation;
    }

    private byte[][] read() {
        byte[][] bytes = new byte[files.size()][];
        for (int i = 0; i < files.size(); i++) {
            try {
                bytes[i] = Files.readAllBytes(files.get(i));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + files.get(i) + ": " + e, e);
            }
        }
        return bytes;
    }

    List<Path> files() {
        return files;
    }
}
