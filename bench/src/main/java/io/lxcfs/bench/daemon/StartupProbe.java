package io.lxcfs.bench.daemon;

import io.lxcfs.bench.ProcStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Start-up on a live connection: kill -9 of the daemon's JVM under its keeper, which starts a new JVM on the same FUSE
 * connection (docs/restarts-and-upgrades.md); a reader that loops on {@code proc/meminfo} meanwhile has its requests
 * wait in the kernel. Measured per round: from the new JVM's start (its fork by the keeper, from
 * {@code /proc/<pid>/stat}) to the first read the reader completes after it, and from the kill to that read.
 * The keeper gives up after more than 5 JVM deaths within 60 s: at most 5 rounds.
 */
public final class StartupProbe {

    /** One restart. */
    public record Round(long killToServedMs, long startToServedMs, long jvmCpuMs) {
    }

    private final long keeperPid;
    private final Path file;

    public StartupProbe(long keeperPid, Path mountPath) {
        this.keeperPid = keeperPid;
        this.file = mountPath.resolve("proc/meminfo");
    }

    /** The JVM under the keeper. */
    public static Optional<Long> jvmOf(long keeperPid) {
        return ProcessHandle.of(keeperPid).flatMap(k -> k.children()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .map(ProcessHandle::pid).findFirst());
    }

    /**
     * One round; {@code awaitUp} returns once the new JVM is fully up (HTTP live), so the next kill hits a started
     * daemon, not one still booting.
     */
    public Round round(ThrowingRunnable awaitUp) throws Exception {
        ProcStat.BootClock clock = ProcStat.BootClock.calibrate();
        long old = jvmOf(keeperPid).orElseThrow(() -> new IllegalStateException("no JVM under keeper " + keeperPid));
        Reader reader = new Reader(file);
        reader.start();
        reader.awaitReads(20);
        long killedAt = System.nanoTime();
        reader.watchFrom(killedAt);
        ProcessHandle.of(old).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = killedAt + TimeUnit.SECONDS.toNanos(60);
        long jvm = -1;
        while (System.nanoTime() < deadline) {
            Optional<Long> j = jvmOf(keeperPid);
            if (j.isPresent() && j.get() != old) {
                jvm = j.get();
                break;
            }
            if (ProcessHandle.of(keeperPid).isEmpty()) {
                throw new IllegalStateException("the keeper exited after the kill");
            }
            Thread.sleep(1);
        }
        if (jvm < 0) {
            throw new IllegalStateException("no new JVM within 60 s of the kill");
        }
        long startedAt = clock.nanoOf(ProcStat.startTicks(jvm));
        // Reads that complete after the kill but before the new JVM existed were answered by the old one in its last
        // instant; count from the new JVM's start.
        reader.watchFrom(Math.max(startedAt, killedAt));
        long servedAt = reader.firstCompletion(deadline);
        long cpuTicks = ProcStat.cpuTicks(jvm);
        reader.finish();
        awaitUp.run();
        return new Round(TimeUnit.NANOSECONDS.toMillis(servedAt - killedAt), TimeUnit.NANOSECONDS.toMillis(servedAt - startedAt),
                cpuTicks * 1000 / ProcStat.HZ);
    }

    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Reads the file back to back and keeps when the first read after a given instant completed. */
    private static final class Reader extends Thread {
        private final Path file;
        private final Object lock = new Object();
        private long reads;
        private long after = Long.MAX_VALUE;
        private long first;
        private volatile boolean running = true;

        Reader(Path file) {
            super("startup-reader");
            setDaemon(true);
            this.file = file;
        }

        @Override
        public void run() {
            while (running) {
                try {
                    Files.readAllBytes(file);
                } catch (IOException e) {
                    continue; // not a served read; the next one tries again
                }
                long t = System.nanoTime();
                synchronized (lock) {
                    reads++;
                    if (first == 0 && t > after) {
                        first = t;
                    }
                    lock.notifyAll();
                }
            }
        }

        void awaitReads(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            synchronized (lock) {
                while (reads < n) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the reader did not complete " + n + " reads within 30 s");
                    }
                    lock.wait(100);
                }
            }
        }

        /** From now on, remember the first read that completes after {@code instant} (which may lie in the past). */
        void watchFrom(long instant) {
            synchronized (lock) {
                after = instant;
                if (first <= instant) {
                    first = 0;
                }
            }
        }

        long firstCompletion(long deadline) throws InterruptedException {
            synchronized (lock) {
                while (first == 0 && System.nanoTime() < deadline) {
                    lock.wait(10);
                }
                if (first == 0) {
                    throw new IllegalStateException("no read served within 60 s of the kill");
                }
                return first;
            }
        }

        void finish() throws InterruptedException {
            running = false;
            join(10_000);
        }
    }
}
