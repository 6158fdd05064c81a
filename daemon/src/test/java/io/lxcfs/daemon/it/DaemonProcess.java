package io.lxcfs.daemon.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The daemon started from the built jar through its start script, on a private mount path and port. */
public final class DaemonProcess implements AutoCloseable {

    /**
     * How long a daemon may take to start serving (or a successor to become ready): 60 s here; the VM tier's
     * guest raises it with {@code -Dlxcfs.test.daemon-start-seconds}, as its emulated JVM starts far slower.
     */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong("lxcfs.test.daemon-start-seconds", 60));

    private final Process process;
    private final Path mountPath;
    private final int httpPort;
    private final Path log;

    private DaemonProcess(Process process, Path mountPath, int httpPort, Path log) {
        this.process = process;
        this.mountPath = mountPath;
        this.httpPort = httpPort;
        this.log = log;
    }

    public static DaemonProcess start(Path mountPath, String... extraProperties) throws Exception {
        return start(mountPath, Map.of(), extraProperties);
    }

    public static DaemonProcess start(Path mountPath, Map<String, String> env, String... extraProperties) throws Exception {
        return start(List.of(), mountPath, env, extraProperties);
    }

    /**
     * As above with the start script run through {@code wrapper} (a command that execs its arguments, e.g.
     * one that enters a cgroup and {@code unshare --cgroup}s, as a DaemonSet pod runs on a v2 node).
     */
    public static DaemonProcess start(List<String> wrapper, Path mountPath, Map<String, String> env, String... extraProperties)
            throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("lxcfs-daemon-", ".log");
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(script());
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.addAll(List.of(extraProperties));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LXCFS_MOUNT_PATH", mountPath.toString());
        pb.environment().put("LXCFS_DAEMON_JAR", System.getProperty("lxcfs.daemon.jar", "target/quarkus-app/quarkus-run.jar"));
        // Other daemons (other tests, other checkouts) run on this machine: the default adoption rule (same
        // installation, named by the mount path) keeps each to its own containers.
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        DaemonProcess d = new DaemonProcess(pb.start(), mountPath, port, log);
        try {
            d.awaitServing(START_TIMEOUT);
        } catch (Exception | AssertionError e) {
            d.close(); // not left running (and mounted) behind a failed start
            throw e;
        }
        System.out.printf("daemon serving %s after %d ms%n", mountPath, (System.nanoTime() - t0) / 1_000_000);
        return d;
    }

    private static String script() {
        return System.getProperty("lxcfs.daemon.script", "bin/lxcfs-daemon");
    }

    /** Polls until a view file reads well through the mount (no fixed sleep). */
    public void awaitServing(Duration timeout) throws Exception {
        Path meminfo = mountPath.resolve("proc/meminfo");
        ProcessWait.until(process, "daemon", "serve " + meminfo, timeout, Duration.ofMillis(50), this::log,
                () -> Files.readString(meminfo).startsWith("MemTotal:")
                        && http("GET", "/q/health/live", null).statusCode() > 0);
    }

    /** Polls until {@code /q/health/live} answers 200 (a retired daemon's JVM: up, not ready). */
    public void awaitLive(Duration timeout) throws Exception {
        ProcessWait.until(process, "daemon", "be live", timeout, Duration.ofMillis(20), this::log,
                () -> http("GET", "/q/health/live", null).statusCode() == 200);
    }

    /** Polls until {@code /q/health/ready} answers 200 (for a successor: it has taken over). */
    public void awaitReady(Duration timeout) throws Exception {
        ProcessWait.until(process, "daemon", "become ready", timeout, Duration.ofMillis(20), this::log,
                () -> http("GET", "/q/health/ready", null).statusCode() == 200);
    }

    public Path mountPath() {
        return mountPath;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
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

    /** kill -9 of the daemon (its keeper, when it has one) and the wait until its JVM is gone too (it dies with it). */
    public void kill9() throws Exception {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle p : descendants) {
            p.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    public static boolean isMounted(Path path) throws IOException {
        String needle = " " + path.toAbsolutePath() + " ";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(needle) && line.contains("fuse.lxcfs-k8s")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws Exception {
        stop();
        if (isMounted(mountPath)) {
            new ProcessBuilder("umount", "-l", mountPath.toString()).inheritIO().start().waitFor();
        }
    }
}
