package io.keel.faults.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the few system commands the suite needs (ip, kill, mount, dd), failing loudly with their output. */
public final class Shell {
    private Shell() {
    }

    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs {@code cmd}; throws with the command and its output unless it exits 0. */
    public static String run(String... cmd) {
        Result r = attempt(cmd);
        if (!r.ok()) {
            throw new IllegalStateException("'" + String.join(" ", cmd) + "' exited " + r.exitCode() + ": "
                    + r.output().strip());
        }
        return r.output();
    }

    /** Runs {@code cmd} and returns its exit code and output, whatever they are. */
    public static Result attempt(String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out + " (timed out)");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
