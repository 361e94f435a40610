package io.keel.storage.mvcc;

/** Revoke lease {@code id}, deleting every key attached to it at one revision (also how expiry is applied). */
public record LeaseRevokeRequest(long id) implements Operation {}
