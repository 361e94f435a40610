package io.keel.storage.mvcc.api;

import java.util.List;

/**
 * Changes in revision order, all of each revision they include (a revision is never split), and where to
 * continue: {@code nextRevision} is the first revision not yet read. {@code headerRevision} is the store's
 * revision at the moment of the read.
 */
public record ChangeBatch(List<Event> events, long nextRevision, long headerRevision) {}
