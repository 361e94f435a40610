package io.keel.storage.mvcc.api;

import java.util.List;

/** etcd's RangeResponse: {@code count} is every key that matched, {@code more} says the limit cut some off. */
public record RangeResponse(long revision, List<KeyValue> kvs, boolean more, long count) implements Response {}
