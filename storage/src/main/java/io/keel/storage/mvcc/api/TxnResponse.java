package io.keel.storage.mvcc.api;

import java.util.List;

/** etcd's TxnResponse: which branch ran, and one response per op of that branch, in order. */
public record TxnResponse(long revision, boolean succeeded, List<Response> responses) implements Response {}
