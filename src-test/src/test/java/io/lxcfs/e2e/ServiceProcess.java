package io.lxcfs.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A long-running process started by this test (a start script of the build), its output in a log file. */
final class ServiceProcess implements AutoCloseable {

    /** A readiness check; exceptions mean "not yet". */
    interface Check {
        boolean ready() throws Exception;
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** {@code env} is added to this JVM's environment; an empty value removes that variable. */
    static ServiceProcess start(String name, List<String> command, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        env.forEach((k, v) -> {
            if (v.isEmpty()) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return new ServiceProcess(name, pb.start(), log);
    }

    /** Polls {@code check} until it holds; fails early, with the log, if the process exits. */
    void awaitReady(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before " + what + ":\n" + log());
            }
            try {
                if (check.ready()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            try {
                process.onExit().get(50, TimeUnit.MILLISECONDS); // returns early only if the process dies
            } catch (TimeoutException stillRunning) {
                // poll again
            }
        }
        throw new IllegalStateException(name + ": no " + what + " within " + timeout + " (last error: " + last + "):\n" + log());
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL after 30 s; returns the exit code. */
    int stop() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
