package io.lxcfs.chart;

import io.lxcfs.testing.Command;
import io.lxcfs.testing.HttpsClient;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One pod run with podman and runc from a {@link PodmanTranslation.Plan}: prepares the host side of its volumes as the
 * kubelet would (type checks of hostPath volumes, shared propagation for Bidirectional mounts, emptyDir and secret
 * directories), starts the container, and runs its probes the kubelet's way ({@link #awaitProbe}).
 * {@link #exec} is {@code kubectl exec}. {@link #close} removes the container.
 */
final class PodmanPod implements AutoCloseable {

    final PodmanTranslation.Plan plan;
    final String container;
    private String ip;

    private PodmanPod(PodmanTranslation.Plan plan, String container) {
        this.plan = plan;
        this.container = container;
    }

    /**
     * @param secrets the content of each secret volume's Secret, by secret name then key (the kubelet's projection)
     */
    static PodmanPod start(PodmanTranslation.Plan plan, String container, Map<String, Map<String, byte[]>> secrets)
            throws Exception {
        for (PodmanTranslation.HostDir d : plan.hostDirs()) {
            prepare(d, secrets);
        }
        PodmanPod p = new PodmanPod(plan, container);
        try {
            run(plan.podmanRun(container), Duration.ofSeconds(120)).orThrow();
            p.ip = run(List.of("podman", "inspect", "--format", "{{.NetworkSettings.IPAddress}}", container),
                    Duration.ofSeconds(30)).orThrow().stdout().strip();
            if (p.ip.isEmpty()) {
                throw new IllegalStateException(container + " has no pod IP");
            }
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return p;
    }

    String ip() {
        return ip;
    }

    private static void prepare(PodmanTranslation.HostDir d, Map<String, Map<String, byte[]>> secrets) throws Exception {
        Path p = Path.of(d.path());
        switch (d.kind()) {
            case "hostPath:Directory" -> require(Files.isDirectory(p), d, "is not a directory");
            case "hostPath:File" -> require(Files.isRegularFile(p), d, "is not a file");
            case "hostPath:DirectoryOrCreate" -> Files.createDirectories(p);
            case "hostPath:" -> require(Files.exists(p), d, "does not exist");
            case "emptyDir" -> {
                Files.createDirectories(p);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
                group(p, d.group());
            }
            default -> {
                if (!d.kind().startsWith("secret:")) {
                    throw new IllegalStateException("volume kind " + d.kind());
                }
                Map<String, byte[]> data = secrets.get(d.kind().substring("secret:".length()));
                require(data != null, d, "needs Secret " + d.kind().substring(7) + ", which was not provided");
                Files.createDirectories(p);
                for (Map.Entry<String, byte[]> e : data.entrySet()) {
                    Path f = p.resolve(e.getKey());
                    Files.write(f, e.getValue());
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--")); // defaultMode 0644
                    group(f, d.group());
                }
            }
        }
    }

    private static void require(boolean ok, PodmanTranslation.HostDir d, String what) {
        if (!ok) {
            // what the kubelet reports as a failed mount: the pod does not start
            throw new IllegalStateException("volume " + d.volume() + " (" + d.kind() + "): " + d.path() + " " + what);
        }
    }

    private static void group(Path p, Integer gid) throws IOException {
        if (gid != null) {
            GroupPrincipal g = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(String.valueOf(gid));
            Files.getFileAttributeView(p, PosixFileAttributeView.class).setGroup(g);
        }
    }

    /**
     * Runs one probe the way the kubelet does until it succeeds once: after {@code initialDelaySeconds}, every
     * {@code periodSeconds}, each attempt bounded by {@code timeoutSeconds}; fails after {@code failureThreshold}
     * consecutive failures. HTTPS probes do not verify the certificate (neither does the kubelet).
     */
    void awaitProbe(String kind) throws Exception {
        PodmanTranslation.Probe p = plan.probes().get(kind);
        if (p == null) {
            throw new IllegalStateException(container + " has no " + kind);
        }
        Thread.sleep(p.initialDelaySeconds() * 1000L);
        String last = "";
        for (int attempt = 1; attempt <= p.failureThreshold(); attempt++) {
            long started = System.nanoTime();
            try {
                int status = probeOnce(p);
                if (status >= 200 && status < 400) {
                    return;
                }
                last = "HTTP " + status;
            } catch (IOException e) {
                last = e.toString();
            }
            if (!running()) {
                throw new IllegalStateException(container + " exited during its " + kind + "\n" + logs());
            }
            long waitMs = p.periodSeconds() * 1000L - (System.nanoTime() - started) / 1_000_000;
            if (waitMs > 0) {
                Thread.sleep(waitMs);
            }
        }
        throw new IllegalStateException(container + ": " + kind + " failed " + p.failureThreshold() + " times (" + last
                + ")\n" + logs());
    }

    /** One probe attempt: the HTTP status. */
    int probeOnce(PodmanTranslation.Probe p) throws IOException {
        URL url = URI.create(p.scheme().toLowerCase() + "://" + ip + ":" + p.port() + p.path()).toURL();
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        if (c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(TRUST_ALL.getSocketFactory());
            https.setHostnameVerifier((host, session) -> true);
        }
        c.setConnectTimeout(p.timeoutSeconds() * 1000);
        c.setReadTimeout(p.timeoutSeconds() * 1000);
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }

    /** Whether something listens on a port of the pod IP. */
    boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    boolean running() throws Exception {
        Command.Result r = run(List.of("podman", "inspect", "--format", "{{.State.Running}}", container), Duration.ofSeconds(30));
        return r.exit() == 0 && r.stdout().strip().equals("true");
    }

    /** {@code kubectl exec <pod> -- argv}. */
    Command.Result exec(String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("podman", "exec", container));
        cmd.addAll(List.of(argv));
        return run(cmd, Duration.ofSeconds(60));
    }

    /** {@code kubectl exec} in the background: the process, with stdout in {@code out}. */
    Process execInBackground(Path out, String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("podman", "exec", container));
        cmd.addAll(List.of(argv));
        return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectErrorStream(true).start();
    }

    String logs() {
        try {
            Command.Result r = run(List.of("podman", "logs", container), Duration.ofSeconds(30));
            return r.stdout() + r.stderr();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The kubelet's stop: SIGTERM, SIGKILL after the grace period; returns the container's exit code. */
    int stop() throws Exception {
        run(List.of("podman", "stop", "--time", String.valueOf(plan.stopTimeoutSeconds()), container),
                Duration.ofSeconds(plan.stopTimeoutSeconds() + 30L)).orThrow();
        return Integer.parseInt(run(List.of("podman", "inspect", "--format", "{{.State.ExitCode}}", container),
                Duration.ofSeconds(30)).orThrow().stdout().strip());
    }

    @Override
    public void close() throws Exception {
        run(List.of("podman", "rm", "--force", "--time", "5", container), Duration.ofSeconds(60));
    }

    static JsonNode inspect(String container) throws Exception {
        return Chart.JSON.readTree(run(List.of("podman", "inspect", container), Duration.ofSeconds(30)).orThrow().stdout()).get(0);
    }

    /** Runs a command to completion (podman with this project's containers.conf, see {@link #ENV}). */
    static Command.Result run(List<String> command, Duration timeout) throws Exception {
        return Command.run(command, ENV, timeout);
    }

    /** Extra environment of every podman command: CONTAINERS_CONF from scripts/podman-env.sh (set by the test). */
    static final Map<String, String> ENV = new java.util.concurrent.ConcurrentHashMap<>();

    /** The kubelet does not verify a probe's certificate. */
    static final SSLContext TRUST_ALL = HttpsClient.trustingAnyCertificate();
}
