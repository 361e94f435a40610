package io.keel.storage.mvcc.api;

/** etcd's PutResponse; {@code prevKv} is null unless asked for and the key existed. */
public record PutResponse(long revision, KeyValue prevKv) implements Response {}
