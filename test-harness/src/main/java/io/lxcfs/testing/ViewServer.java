package io.lxcfs.testing;

import java.nio.file.Path;

/**
 * A process serving a proc view over FUSE at a mount path: our daemon ({@link DaemonProcess}) or the reference LXCFS
 * ({@link ReferenceLxcfs}). Both lay the view out alike ({@code proc/meminfo}, ..., {@code sys/devices/system/cpu/online}),
 * so a comparison or a benchmark can take either. {@link #close()} stops the process and unmounts what it left.
 */
public abstract class ViewServer implements AutoCloseable {

    private final ServiceProcess process;
    private final Path mountPath;

    ViewServer(ServiceProcess process, Path mountPath) {
        this.process = process;
        this.mountPath = mountPath;
    }

    /** Where the view is mounted. */
    public Path mountPath() {
        return mountPath;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process.process();
    }

    /** What the process has written so far. */
    public String log() {
        return process.log();
    }

    /** SIGTERM and wait; returns the exit code. */
    public int stop() throws InterruptedException {
        return process.stop();
    }

    ServiceProcess service() {
        return process;
    }

    /** Stops the process and unmounts the view if it is still mounted. */
    @Override
    public void close() throws Exception {
        stop();
        FuseMounts.unmountIfMounted(mountPath);
    }
}
