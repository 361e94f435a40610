package io.keel.storage.mvcc.api;

import io.keel.storage.failure.StorageFailedException;

/** Stored bytes fail their CRC32C or their structure; the message names the column family and the key or revision. */
public final class CorruptionException extends StorageFailedException {
    public CorruptionException(String message) {
        super(message, null);
    }
}
