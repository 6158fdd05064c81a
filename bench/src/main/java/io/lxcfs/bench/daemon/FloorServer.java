package io.lxcfs.bench.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The floor: {@code daemon/target/tools/fusefloor} (daemon/src/test/c/fusefloor.c), a FUSE server in C that serves a
 * fixed 1,503-byte {@code proc/meminfo} and does nothing else, with the same protocol choices as our daemon (raw
 * /dev/fuse, timeouts 0, direct I/O, 4 threads). A read through it costs the kernel's FUSE round trips and nothing more.
 */
public final class FloorServer implements AutoCloseable {

    private final Process process;
    private final Path mountPath;

    private FloorServer(Process process, Path mountPath) {
        this.process = process;
        this.mountPath = mountPath;
    }

    public static FloorServer start(Path binary, Path mountPath, int threads) throws Exception {
        Path log = Files.createTempFile("lxcfs-bench-floor-", ".log");
        Process p = new ProcessBuilder(binary.toString(), mountPath.toString(), Integer.toString(threads))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        FloorServer f = new FloorServer(p, mountPath);
        Path file = mountPath.resolve("proc/meminfo");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("fusefloor exited with " + p.exitValue() + ": " + Files.readString(log));
            }
            try {
                if (Files.readAllBytes(file).length > 0) {
                    break;
                }
            } catch (IOException e) {
                // not mounted yet
            }
            if (System.nanoTime() > deadline) {
                f.close();
                throw new IllegalStateException("fusefloor did not serve " + file + " within 10 s: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
        Files.deleteIfExists(log);
        return f;
    }

    public long pid() {
        return process.pid();
    }

    public Path mountPath() {
        return mountPath;
    }

    /** SIGTERM: it unmounts (lazily) and exits; a lazy unmount after, in case it could not. */
    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        new ProcessBuilder("umount", "-l", mountPath.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
}
