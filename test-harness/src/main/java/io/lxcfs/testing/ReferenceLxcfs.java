package io.lxcfs.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The reference LXCFS (Debian {@code lxcfs}) on a temporary mount: {@code lxcfs -f --enable-cfs -l -p <pidfile> <dir>},
 * ready once {@code <dir>/proc/meminfo} reads (polled, no fixed sleep); SIGTERM unmounts it.
 */
public final class ReferenceLxcfs implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/lxcfs");

    private final ServiceProcess process;
    private final Path mountPath;
    private final Path pidFile;

    private ReferenceLxcfs(ServiceProcess process, Path mountPath, Path pidFile) {
        this.process = process;
        this.mountPath = mountPath;
        this.pidFile = pidFile;
    }

    /** Whether Debian's lxcfs is installed ({@code apt-get install lxcfs}). */
    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    public static ReferenceLxcfs start(Path mountPath) throws Exception {
        Path pidFile = Files.createTempFile("lxcfs-ref-", ".pid");
        Files.delete(pidFile);
        ServiceProcess p = ServiceProcess.start("lxcfs",
                List.of(BINARY.toString(), "-f", "--enable-cfs", "-l", "-p", pidFile.toString(), mountPath.toString()), Map.of());
        ReferenceLxcfs r = new ReferenceLxcfs(p, mountPath, pidFile);
        try {
            Path meminfo = mountPath.resolve("proc/meminfo");
            p.await("serve " + meminfo, Duration.ofSeconds(30), () -> Files.readString(meminfo).startsWith("MemTotal:"));
        } catch (Exception | AssertionError e) {
            r.close();
            throw e;
        }
        return r;
    }

    public Path mountPath() {
        return mountPath;
    }

    public long pid() {
        return process.pid();
    }

    public String log() {
        return process.log();
    }

    /** SIGTERM (lxcfs unmounts on it) and wait; returns the exit code. */
    public int stop() throws InterruptedException {
        return process.stop();
    }

    /** Whether a FUSE file system (lxcfs's type is plain {@code fuse}) is mounted at {@code path}. */
    public static boolean isMounted(Path path) throws Exception {
        return FuseMounts.isMounted(path, "fuse");
    }

    @Override
    public void close() throws Exception {
        stop();
        FuseMounts.unmountIfMounted(mountPath);
        Files.deleteIfExists(pidFile);
        Files.deleteIfExists(process.logFile());
    }
}
