package io.keel.storage.failure;

/**
 * Marks a failure whose message already tells the operator what to do (e.g. a corrupt log: rebuild the member from
 * its peers), so {@link StorageFailedException#during} does not add the usual "restart it" advice.
 */
public interface TellsTheRepair {
}
