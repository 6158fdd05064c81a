package io.lxcfs.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived command to completion with a deadline; stdin from {@code /dev/null}, stdout and stderr through
 * temporary files (no pipe can fill up and stall it).
 */
public final class Command {

    /** What a command did. */
    public record Result(List<String> command, int exit, String stdout, String stderr) {
        /** This result when the command exited 0; otherwise an exception naming the command and its output. */
        public Result orThrow() {
            if (exit != 0) {
                throw new IllegalStateException(command + " exited " + exit + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    private Command() {
    }

    /** Runs {@code command}; throws if it has not finished within {@code timeout} (it is killed then). */
    public static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        return run(command, Map.of(), timeout);
    }

    /** As {@link #run(List, Duration)} with {@code env} added to this JVM's environment. */
    public static Result run(List<String> command, Map<String, String> env, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("lxcfs-test-out-", ".txt");
        Path err = Files.createTempFile("lxcfs-test-err-", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IllegalStateException(command + " did not finish in " + timeout);
            }
            return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** {@link #run(List, Duration)} of {@code argv}, insisting on exit 0; returns stdout. */
    public static String output(Duration timeout, String... argv) throws IOException, InterruptedException {
        return run(List.of(argv), timeout).orThrow().stdout();
    }
}
