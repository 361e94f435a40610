package io.keel.server.grpc;

import io.grpc.ManagedChannel;
import io.keel.server.Keel;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A one-member leader with etcd's API, shared by a test class: started before its first test in a temporary data
 * directory, closed and deleted after its last. Register it with
 * {@code @RegisterExtension static final LeaderForClass member = new LeaderForClass();}.
 */
final class LeaderForClass implements BeforeAllCallback, AfterAllCallback {
    private final UnaryOperator<Keel.Builder> customize;
    private Path dir;
    private GrpcTestMember member;

    LeaderForClass() {
        this(b -> b);
    }

    /** With the member's builder adjusted by {@code customize}. */
    LeaderForClass(UnaryOperator<Keel.Builder> customize) {
        this.customize = customize;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("keel-grpc-test-");
        member = GrpcTestMember.startLeader(dir, customize);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (member != null) member.close();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** The temporary directory (the member's data is below it; tests may put their own files here). */
    Path dir() {
        return dir;
    }

    Keel keel() {
        return member.keel;
    }

    ManagedChannel channel() {
        return member.channel;
    }

    EtcdGrpcServer server() {
        return member.server;
    }
}
