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

    /** Forking the containers, starting their threads and their first reads took 4–30 s here. */
    static final long READY_TIMEOUT_S = 300;

    private final Process process;
    private final BufferedReader out;
    private final Path containersFile;
    private String ready;
    private boolean closed;

    private final Path binary;

    private LoadGenerator(Path binary, Process process, Path containersFile) {
        this.binary = binary;
        this.process = process;
        this.containersFile = containersFile;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the containers; returns once each has joined its cgroups, started its threads and read {@code viewFile}. */
    public static LoadGenerator start(Path binary, ScaleContainers cgroups, int threadsPerContainer, Path viewFile) throws IOException {
        return start(binary, cgroups, threadsPerContainer, viewFile, 0);
    }

    /**
     * As {@link #start(Path, ScaleContainers, int, Path)}; with {@code wakeMs > 0} one thread of each container wakes
     * every {@code wakeMs} ms (its CPU usage moves, as a busy container's does), the others still sleep.
     */
    public static LoadGenerator start(Path binary, ScaleContainers cgroups, int threadsPerContainer, Path viewFile, int wakeMs)
            throws IOException {
        Path containers = cgroups.writeContainersFile();
        Process p = new ProcessBuilder(binary.toString(), Integer.toString(threadsPerContainer), viewFile.toString(),
                containers.toString(), Integer.toString(wakeMs)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        LoadGenerator g = new LoadGenerator(binary, p, containers);
        try {
            // Bounded: containers whose first view read is never answered must not hang the bench.
            java.util.concurrent.CompletableFuture<String> line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return g.out.readLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String ready;
            try {
                ready = line.get(READY_TIMEOUT_S, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("loadavg-scale-load: containers not ready within " + READY_TIMEOUT_S + " s");
            } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
                throw new IllegalStateException("loadavg-scale-load: " + e.getCause(), e);
            }
            if (ready == null || !ready.startsWith("ready ")) {
                throw new IllegalStateException("loadavg-scale-load did not start its containers: " + ready);
            }
            g.ready = ready;
            if (!ready.contains(" failed=0 ")) {
                throw new IllegalStateException("loadavg-scale-load: " + ready);
            }
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    /** Its "ready containers=... threads=... failed=0" line. */
    public String ready() {
        return ready;
    }

    /**
     * The floor: the system calls of one sampler pass over these containers made from C (best of three), as
     * {@code floor containers=.. threads=.. active=.. cpu_ms=.. user_ms=.. sys_ms=..}.
     */
    public String floor() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), "--floor", containersFile.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || !line.startsWith("floor ")) {
            throw new IllegalStateException("loadavg-scale-load --floor: " + line);
        }
        return line;
    }

    /** A {@code key=value} field of a line of this program. */
    public static double field(String line, String key) {
        for (String f : line.split(" ")) {
            if (f.startsWith(key + "=")) {
                return Double.parseDouble(f.substring(key.length() + 1));
            }
        }
        throw new IllegalArgumentException("no " + key + " in " + line);
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
