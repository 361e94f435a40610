package io.keel.server.cli;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * When a multi-process test fails, its failure also carries each running member's state, first errors and last
 * output lines (the members' logs are gone with the test's temporary directory, and CI keeps only its own output).
 */
final class MemberOutputOnFailure implements TestExecutionExceptionHandler {
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        for (ProcessCluster cluster : ProcessCluster.OPEN) {
            failure.addSuppressed(new AssertionError("the members then:" + ProcessCluster.diagnosis(cluster.members)));
        }
        throw failure;
    }
}
