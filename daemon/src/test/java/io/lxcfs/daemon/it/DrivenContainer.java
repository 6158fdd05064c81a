package io.lxcfs.daemon.it;

import io.lxcfs.testing.TestCgroup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link ViewContainer} whose shell runs {@code setup} in the background, then reads one command per line from
 * stdin and runs it inside the container ({@code cat /proc/loadavg}, {@code kill -USR1 $!}, ...): the test decides
 * when each read happens. Output lines are queued as they come.
 */
final class DrivenContainer implements AutoCloseable {

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final long startedNanos = System.nanoTime();

    DrivenContainer(TestCgroup cgroup, java.nio.file.Path view, String setup) throws Exception {
        process = new ViewContainer(cgroup, view).builder("true\n" + setup + "\nwhile read cmd; do eval \"$cmd\"; done")
                .redirectErrorStream(true).start();
        stdin = process.getOutputStream();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (Exception ignored) {
                // The container is gone; await() reports what was seen.
            }
        }, "container-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Seconds since this container was started (an upper bound of its uptime). */
    double ageSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    void send(String command) throws Exception {
        stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** The next output line matching {@code p} (others are kept in {@link #seen}). */
    String await(Predicate<String> p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (l == null) {
                break;
            }
            seen.add(l);
            if (p.test(l)) {
                return l;
            }
        }
        throw new AssertionError("no matching line within " + timeout + "; seen: " + seen
                + (process.isAlive() ? "" : " (container exited " + process.exitValue() + ")"));
    }

    /** Runs {@code command} and returns its first output line that matches {@code p}. */
    String ask(String command, Predicate<String> p) throws Exception {
        send(command);
        return await(p, Duration.ofSeconds(20));
    }

    @Override
    public void close() throws Exception {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
