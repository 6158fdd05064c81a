package io.lxcfs.bench.scale;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The built daemon started through its start script on a private mount path and HTTP port, without the keeper
 * (LXCFS_KEEPER=off: the script execs the JVM, so the process is the JVM whose CPU is measured). Stopped with
 * SIGTERM on {@link #close}; its mount is removed and the mount directory deleted.
 */
public final class ScaleDaemon implements AutoCloseable {

    private final Process process;
    private final Path mountPath;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();
    private boolean closed;

    private ScaleDaemon(Process process, Path mountPath, int port, Path log) {
        this.process = process;
        this.mountPath = mountPath;
        this.port = port;
        this.log = log;
    }

    public static ScaleDaemon start(Path repo) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path mount = Files.createTempDirectory("lxcfs-scale-mnt-");
        Path log = Files.createTempFile("lxcfs-scale-daemon-", ".log");
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("daemon/bin/lxcfs-daemon").toString(), "-Dquarkus.http.port=" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LXCFS_MOUNT_PATH", mount.toString());
        pb.environment().put("LXCFS_DAEMON_JAR", repo.resolve("daemon/target/quarkus-app/quarkus-run.jar").toString());
        pb.environment().put("LXCFS_KEEPER", "off");
        ScaleDaemon d = new ScaleDaemon(pb.start(), mount, port, log);
        try {
            d.awaitServing(Duration.ofSeconds(60));
        } catch (Exception | Error e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void awaitServing(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path meminfo = mountPath.resolve("proc/meminfo");
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the daemon exited (" + process.exitValue() + "): " + log());
            }
            try {
                if (Files.readString(meminfo).startsWith("MemTotal:") && metrics().contains("lxcfs_loadavg_sample_seconds")) {
                    return;
                }
            } catch (IOException notYet) {
                // not mounted or not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemon did not serve " + meminfo + " within " + timeout + ": " + log());
            }
            Thread.sleep(100);
        }
    }

    public Path mountPath() {
        return mountPath;
    }

    public long pid() {
        return process.pid();
    }

    /** {@code /q/metrics} as Prometheus text. */
    public String metrics() throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The sum of every sample of {@code name} (any labels). */
    public static double metric(String metrics, String name) {
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            if (key.equals(name) || key.startsWith(name + "{")) {
                total += Double.parseDouble(line.substring(sp + 1));
            }
        }
        return total;
    }

    /** utime + stime of the whole JVM, in clock ticks (USER_HZ, 100 per second). */
    public long cpuTicks() throws IOException {
        return ticks(Path.of("/proc/" + pid() + "/stat"));
    }

    /** utime + stime of the JVM's threads whose name is {@code comm} (as /proc shows it: 15 bytes at most). */
    public long threadCpuTicks(String comm) throws IOException {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid() + "/task"))) {
            for (Path t : tasks) {
                try {
                    if (Files.readString(t.resolve("comm")).trim().equals(comm)) {
                        sum += ticks(t.resolve("stat"));
                    }
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return sum;
    }

    /** Fields 14 and 15 (utime, stime) of a stat line, counted after the command's closing parenthesis. */
    static long ticks(Path stat) throws IOException {
        String s = Files.readString(stat);
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Resident set size of the JVM, in KiB. */
    public long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
            if (isMounted()) {
                new ProcessBuilder("umount", "-l", mountPath.toString()).inheritIO().start().waitFor();
            }
            Files.deleteIfExists(mountPath);
            Files.deleteIfExists(log);
            System.out.println("daemon stopped, " + mountPath + " removed");
        } catch (Exception e) {
            System.err.println("stopping the daemon: " + e);
        }
    }

    private boolean isMounted() throws IOException {
        String needle = " " + mountPath.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(needle));
    }
}
