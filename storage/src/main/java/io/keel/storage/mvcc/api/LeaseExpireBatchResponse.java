package io.keel.storage.mvcc.api;

import java.util.List;

/** One outcome per expiry of a {@link LeaseExpireBatchRequest}, in its order; {@code revision} after the last. */
public record LeaseExpireBatchResponse(long revision, List<LeaseExpireResponse> results) implements Response {
    public LeaseExpireBatchResponse {
        results = List.copyOf(results);
    }
}
