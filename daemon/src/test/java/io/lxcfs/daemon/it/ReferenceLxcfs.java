package io.lxcfs.daemon.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference LXCFS (Debian {@code lxcfs}) on a temporary mount: {@code lxcfs -f --enable-cfs -l -p <pidfile> <dir>},
 * ready once {@code <dir>/proc/meminfo} reads (polled, no fixed sleep); SIGTERM unmounts it.
 */
public final class ReferenceLxcfs implements AutoCloseable {

    private final Process process;
    private final Path mountPath;
    private final Path log;
    private final Path pidFile;

    private ReferenceLxcfs(Process process, Path mountPath, Path log, Path pidFile) {
        this.process = process;
        this.mountPath = mountPath;
        this.log = log;
        this.pidFile = pidFile;
    }

    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/lxcfs"));
    }

    public static ReferenceLxcfs start(Path mountPath) throws Exception {
        Path log = Files.createTempFile("lxcfs-ref-", ".log");
        Path pidFile = Files.createTempFile("lxcfs-ref-", ".pid");
        Files.delete(pidFile);
        Process p = new ProcessBuilder("lxcfs", "-f", "--enable-cfs", "-l", "-p", pidFile.toString(), mountPath.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ReferenceLxcfs r = new ReferenceLxcfs(p, mountPath, log, pidFile);
        r.awaitServing(Duration.ofSeconds(30));
        return r;
    }

    private void awaitServing(Duration timeout) throws Exception {
        Path meminfo = mountPath.resolve("proc/meminfo");
        ProcessWait.until(process, "lxcfs", "serve " + meminfo, timeout, Duration.ofMillis(50), this::log,
                () -> Files.readString(meminfo).startsWith("MemTotal:"));
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM and wait; returns the exit code. */
    public int stop() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        return process.exitValue();
    }

    public static boolean isMounted(Path path) throws IOException {
        String needle = " " + path.toAbsolutePath() + " ";
        List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        return lines.stream().anyMatch(l -> l.contains(needle) && l.contains(" - fuse"));
    }

    @Override
    public void close() throws Exception {
        stop();
        if (isMounted(mountPath)) {
            new ProcessBuilder("umount", "-l", mountPath.toString()).inheritIO().start().waitFor();
        }
        Files.deleteIfExists(pidFile);
        Files.deleteIfExists(log);
    }
}
