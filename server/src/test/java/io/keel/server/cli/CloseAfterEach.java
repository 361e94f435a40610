package io.keel.server.cli;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened (a process cluster, watches, writers), closed after it in reverse order, every one of them even
 * if one fails to close; the first failure is reported. Registered with {@code @RegisterExtension}, it runs after
 * {@link MemberOutputOnFailure} has read the members' output.
 */
final class CloseAfterEach implements AfterEachCallback {
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Returns {@code c}, to be closed after the test. */
    <T extends AutoCloseable> T add(T c) {
        opened.add(c);
        return c;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception | AssertionError e) {
                if (first == null) first = e instanceof Exception ex ? ex : new Exception(e);
            }
        }
        opened.clear();
        if (first != null) throw first;
    }
}
