package io.keel.storage.mvcc;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh store in a temporary directory for each test, closed after it. */
abstract class OpenStoreTest {
    @TempDir
    Path dir;
    StoreDriver s;

    @BeforeEach
    void open() {
        s = new StoreDriver(dir);
    }

    @AfterEach
    void close() {
        s.close();
    }
}
