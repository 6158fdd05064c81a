package io.lxcfs.daemon.it;

import io.lxcfs.testing.TestFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A container reading its {@code /proc/meminfo} in a loop with {@code procread watch}: every read is ok
 * (the container's MemTotal), host (the node's) or fail. The output file is parsed on demand: state
 * changes with their times, 100 ms heartbeats with running counts, and the totals printed on SIGTERM.
 */
public final class WatchReader implements AutoCloseable {

    public record Change(long epochMs, String state, String detail) {
    }

    public record Counts(long epochMs, long ok, long host, long fail) {
    }

    private final String name;
    private final Path output;
    private final Runnable stopper;
    private final Process process;

    WatchReader(String name, Path output, Process process, Runnable stopper) {
        this.name = name;
        this.output = output;
        this.process = process;
        this.stopper = stopper;
    }

    /** The procread command line for a reader expecting {@code memTotalKb}. */
    static List<String> command(String procread, long memTotalKb) {
        return List.of(procread, "watch", "/proc/meminfo", "2", Long.toString(memTotalKb));
    }

    public String name() {
        return name;
    }

    public Process process() {
        return process;
    }

    public String output() {
        return TestFiles.readOrElse(output, "");
    }

    public List<Change> changes() {
        List<Change> out = new ArrayList<>();
        for (String line : output().split("\n")) {
            String[] f = line.split(" ");
            if (f.length >= 3 && f[1].equals("state")) {
                out.add(new Change(Long.parseLong(f[0]), f[2], f.length > 3 ? f[3] : ""));
            }
        }
        return out;
    }

    /** The latest heartbeat (or the totals, once stopped). */
    public Counts counts() {
        Counts last = new Counts(0, 0, 0, 0);
        for (String line : output().split("\n")) {
            String[] f = line.split(" ");
            if (f.length == 5 && (f[1].equals("beat") || f[1].equals("total"))) {
                last = new Counts(Long.parseLong(f[0]), value(f[2]), value(f[3]), value(f[4]));
            }
        }
        return last;
    }

    private static long value(String kv) {
        return Long.parseLong(kv.substring(kv.indexOf('=') + 1));
    }

    /** Polls until {@code condition} holds for this reader's counts. */
    public Counts await(Predicate<Counts> condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Counts c = counts();
            if (condition.test(c)) {
                return c;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") while waiting for " + what + ":\n" + output());
            }
            Thread.sleep(20);
        }
        throw new AssertionError(name + ": timed out waiting for " + what + "; last " + counts() + "\n" + tail());
    }

    /** SIGTERM: the reader prints its totals and exits; returns them. */
    public Counts stop() throws Exception {
        if (process.isAlive()) {
            stopper.run();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        String out = output();
        if (!out.contains(" total ")) {
            throw new AssertionError(name + " printed no totals:\n" + tail());
        }
        return counts();
    }

    public String tail() {
        String[] lines = output().split("\n");
        List<String> changes = new ArrayList<>();
        for (String l : lines) {
            if (!l.contains(" beat ")) {
                changes.add(l);
            }
        }
        return String.join("\n", changes);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            stopper.run();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        Files.deleteIfExists(output);
    }
}
