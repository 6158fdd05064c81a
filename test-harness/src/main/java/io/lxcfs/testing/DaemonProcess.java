package io.lxcfs.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon from the built jar, started through its start script ({@link RepoLayout#daemonScript()}) in the host pid
 * namespace (it must see the readers' pids), serving a real FUSE mount at a private path, HTTP on a private port of
 * 127.0.0.1. {@link #start} returns once a view file reads well through the mount; {@link #close()} stops it and
 * unmounts what a planned stop leaves mounted (for running containers).
 */
public final class DaemonProcess implements AutoCloseable {

    /**
     * How long a daemon may take to start serving (or a successor to become ready): 60 s here; the VM tier's
     * guest raises it with {@code -Dlxcfs.test.daemon-start-seconds}, as its emulated JVM starts far slower.
     */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong("lxcfs.test.daemon-start-seconds", 60));

    /** What Quarkus logs once the application has started ("lxcfs-daemon ... (powered by Quarkus ...) started in 1.2s"). */
    private static final String QUARKUS_STARTED = ") started in ";
    /** What the keeper logs when it starts a JVM ("lxcfs-keeper: child 1234 started (fresh connection, ...)"). */
    private static final String KEEPER_CHILD_STARTED = " started (";

    private final ServiceProcess process;
    private final Path mountPath;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private DaemonProcess(ServiceProcess process, Path mountPath, int httpPort) {
        this.process = process;
        this.mountPath = mountPath;
        this.httpPort = httpPort;
    }

    /** {@code extraProperties} are {@code -Dkey=value} arguments for the daemon's JVM. */
    public static DaemonProcess start(Path mountPath, String... extraProperties) throws Exception {
        return start(mountPath, Map.of(), extraProperties);
    }

    /** {@code env} is added to the start script's environment (an empty value removes a variable). */
    public static DaemonProcess start(Path mountPath, Map<String, String> env, String... extraProperties) throws Exception {
        return start(List.of(), mountPath, env, extraProperties);
    }

    /**
     * As above with the start script run through {@code wrapper} (a command that execs its arguments, e.g.
     * one that enters a cgroup and {@code unshare --cgroup}s, as a DaemonSet pod runs on a v2 node).
     */
    public static DaemonProcess start(List<String> wrapper, Path mountPath, Map<String, String> env, String... extraProperties)
            throws Exception {
        int port = FreePort.find();
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(RepoLayout.daemonScript().toString());
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.addAll(List.of(extraProperties));
        // Other daemons (other tests, other checkouts) run on this machine: the default adoption rule (same
        // installation, named by the mount path) keeps each to its own containers.
        Map<String, String> environment = new HashMap<>();
        environment.put("LXCFS_MOUNT_PATH", mountPath.toString());
        environment.put("LXCFS_DAEMON_JAR", RepoLayout.daemonJar().toString());
        environment.putAll(env);
        long t0 = System.nanoTime();
        DaemonProcess d = new DaemonProcess(ServiceProcess.start("daemon", cmd, environment,
                Files.createTempFile("lxcfs-daemon-", ".log")), mountPath, port);
        try {
            d.awaitServing(START_TIMEOUT);
        } catch (Exception | AssertionError e) {
            d.close(); // not left running (and mounted) behind a failed start
            throw e;
        }
        System.out.printf("daemon serving %s after %d ms%n", mountPath, (System.nanoTime() - t0) / 1_000_000);
        return d;
    }

    /**
     * Polls until a view file reads well through the mount, HTTP answers and the JVM has finished starting (no fixed
     * sleep). See {@link #jvmStarted()} for why the last.
     */
    public void awaitServing(Duration timeout) throws Exception {
        Path meminfo = mountPath.resolve("proc/meminfo");
        process.await("serve " + meminfo, timeout, Duration.ofMillis(50),
                () -> Files.readString(meminfo).startsWith("MemTotal:") && http("GET", "/q/health/live", null).statusCode() > 0
                        && jvmStarted());
    }

    /** Polls until {@code /q/health/live} answers 200 (a retired daemon's JVM: up, not ready) and the JVM has started. */
    public void awaitLive(Duration timeout) throws Exception {
        process.await("be live", timeout, Duration.ofMillis(20),
                () -> http("GET", "/q/health/live", null).statusCode() == 200 && jvmStarted());
    }

    /** Polls until {@code /q/health/ready} answers 200 (for a successor: it has taken over) and the JVM has started. */
    public void awaitReady(Duration timeout) throws Exception {
        process.await("become ready", timeout, Duration.ofMillis(20),
                () -> http("GET", "/q/health/ready", null).statusCode() == 200 && jvmStarted());
    }

    /**
     * Whether the newest JVM (the keeper starts a new one after a crash or a handover) has logged that Quarkus has
     * started. HTTP answers a little earlier, and a SIGTERM in between, before Quarkus handles signals, ends the JVM
     * with 143 instead of a clean stop: a test that stops the daemon as soon as it answers would see that on a
     * loaded machine.
     */
    private boolean jvmStarted() {
        String log = log();
        int started = log.lastIndexOf(QUARKUS_STARTED);
        return started >= 0 && started > log.lastIndexOf(KEEPER_CHILD_STARTED);
    }

    public Path mountPath() {
        return mountPath;
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process.process();
    }

    /** What the start script, the keeper and the JVM have written so far. */
    public String log() {
        return process.log();
    }

    /** A request to the daemon's HTTP port ({@code body} null: none). */
    public HttpResponse<String> http(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code /q/metrics} in Prometheus text format. */
    public String metrics() throws IOException, InterruptedException {
        return http("GET", "/q/metrics", null).body();
    }

    /** SIGTERM and wait; returns the exit code. A planned stop leaves the view mounted. */
    public int stop() throws InterruptedException {
        return process.stop();
    }

    /** kill -9 of the daemon (its keeper, when it has one) and the wait until its JVM is gone too (it dies with it). */
    public void kill9() throws Exception {
        process.kill9();
    }

    /** Whether our daemon's file system is mounted at {@code path}. */
    public static boolean isMounted(Path path) throws IOException {
        return FuseMounts.isMounted(path, FuseMounts.LXCFS_K8S);
    }

    /** Stops the daemon and unmounts the view. */
    @Override
    public void close() throws Exception {
        stop();
        FuseMounts.unmountIfMounted(mountPath);
    }
}
