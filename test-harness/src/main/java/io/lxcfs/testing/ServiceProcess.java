package io.lxcfs.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A long-running program a test starts (a start script of the build, the reference LXCFS, a stub): stdin from
 * {@code /dev/null}, stdout and stderr into one log file. {@link #close()} stops it.
 */
public final class ServiceProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command}; {@code env} is added to this JVM's environment (an empty value removes that variable).
     * {@code name} stands in messages ("daemon exited with 1 ...").
     */
    public static ServiceProcess start(String name, List<String> command, Map<String, String> env, Path log) throws IOException {
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

    /** As {@link #start(String, List, Map, Path)} with the log in a new temporary file {@code <name>-*.log}. */
    public static ServiceProcess start(String name, List<String> command, Map<String, String> env) throws IOException {
        return start(name, command, env, Files.createTempFile(name + "-", ".log"));
    }

    /** Polls {@code check} every {@code every} until it holds; fails early, with the log, if the process exits. */
    public void await(String goal, Duration timeout, Duration every, ProcessWait.Check check) throws Exception {
        ProcessWait.until(process, name, goal, timeout, every, this::log, check);
    }

    /** {@link #await(String, Duration, Duration, ProcessWait.Check)} every 50 ms. */
    public void await(String goal, Duration timeout, ProcessWait.Check check) throws Exception {
        await(goal, timeout, Duration.ofMillis(50), check);
    }

    public String name() {
        return name;
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return log;
    }

    /** What the program has written so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL after 30 s; returns the exit code. */
    public int stop() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        return process.exitValue();
    }

    /** SIGKILL, and the wait until the process and every process it had started are gone. */
    public void kill9() throws Exception {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle p : descendants) {
            p.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
