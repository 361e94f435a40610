package io.keel.server.member;

import io.keel.storage.mvcc.api.Response;

/**
 * What applying one committed entry gave the write waiting for it: the store's response, or the refusal it is
 * answered with (a store refusal such as a failed compaction, or an auth refusal). Either way the entry applied.
 */
record EntryOutcome(Response response, RuntimeException refusal) {
}
