package io.lxcfs.bench.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code loadavg-scale-load} (bench/src/main/c): the containers' processes and their sleeping threads. It holds
 * them until its stdin ends, then SIGKILLs and reaps them all; its containers die with it (PR_SET_PDEATHSIG), so
 * closing this, or this JVM dying, leaves none behind.
 */
public final class LoadGenerator implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final Path containersFile;
    private String ready;
    private boolean closed;

    private LoadGenerator(Process process, Path containersFile) {
        this.process = process;
        this.containersFile = containersFile;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the containers; returns once each has joined its cgroups, started its threads and read {@code viewFile}. */
    public static LoadGenerator start(Path binary, ScaleCgroups cgroups, int threadsPerContainer, Path viewFile) throws IOException {
        Path containers = cgroups.writeContainersFile();
        Process p = new ProcessBuilder(binary.toString(), Integer.toString(threadsPerContainer), viewFile.toString(),
                containers.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        LoadGenerator g = new LoadGenerator(p, containers);
        try {
            String ready = g.out.readLine();
            if (ready == null || !ready.startsWith("ready ")) {
                throw new IllegalStateException("loadavg-scale-load did not start its containers: " + ready);
            }
            g.ready = ready;
            if (!ready.contains(" failed=0 ")) {
                throw new IllegalStateException("loadavg-scale-load: " + ready);
            }
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    /** Its "ready containers=... threads=... failed=0" line. */
    public String ready() {
        return ready;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            process.getOutputStream().close(); // its cue to kill and reap every container
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(); // its containers follow it (PR_SET_PDEATHSIG)
            }
            Files.deleteIfExists(containersFile);
            System.out.println("load generator stopped (exit " + process.exitValue() + ")");
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
            System.err.println("stopping the load generator: " + e);
        }
    }
}
