package io.keel.storage.mvcc.api;

import java.util.List;

/** etcd's DeleteRangeResponse; {@code prevKvs} is empty unless asked for. */
public record DeleteRangeResponse(long revision, long deleted, List<KeyValue> prevKvs) implements Response {}
