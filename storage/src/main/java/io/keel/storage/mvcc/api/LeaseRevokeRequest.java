package io.keel.storage.mvcc.api;

/** Revoke lease {@code id}, deleting every key attached to it at one revision (also how expiry is applied). */
public record LeaseRevokeRequest(long id) implements Operation {}
