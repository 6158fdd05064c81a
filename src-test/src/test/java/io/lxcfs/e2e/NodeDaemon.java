package io.lxcfs.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The node daemon from the built jar, started by daemon/bin/lxcfs-daemon in the host pid namespace (it must see the
 * readers' pids) with a real FUSE mount at a private path and a private HTTP port. Ready when its readiness probe,
 * which reads a file through the mount, answers 200.
 */
final class NodeDaemon implements AutoCloseable {

    private final ServiceProcess process;
    private final Path mountPath;
    private final int httpPort;

    private NodeDaemon(ServiceProcess process, Path mountPath, int httpPort) {
        this.process = process;
        this.mountPath = mountPath;
        this.httpPort = httpPort;
    }

    static NodeDaemon start(Path mountPath, Path log) throws Exception {
        int port = freePort();
        List<String> cmd = List.of(RepoLayout.built("daemon/bin/lxcfs-daemon").toString(), "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1");
        Map<String, String> env = Map.of(
                "LXCFS_MOUNT_PATH", mountPath.toString(),
                "LXCFS_DAEMON_JAR", RepoLayout.built("daemon/target/quarkus-app/quarkus-run.jar").toString());
        NodeDaemon d = new NodeDaemon(ServiceProcess.start("daemon", cmd, env, log), mountPath, port);
        try {
            d.process.awaitReady("ready view at " + mountPath, Duration.ofSeconds(60),
                    () -> isMounted(mountPath) && d.get("/q/health/ready") == 200);
        } catch (Exception e) {
            d.close();
            throw e;
        }
        return d;
    }

    Path mountPath() {
        return mountPath;
    }

    String log() {
        return process.log();
    }

    int get(String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(5)).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static boolean isMounted(Path path) throws IOException {
        String needle = " " + path.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .anyMatch(l -> l.contains(needle) && l.contains("fuse.lxcfs-k8s"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Stops the daemon; a planned stop leaves the view mounted (for running containers), so unmount it here. */
    @Override
    public void close() throws Exception {
        process.stop();
        if (isMounted(mountPath)) {
            Command.run(List.of("umount", "-l", mountPath.toString()), Duration.ofSeconds(30)).orThrow();
        }
    }
}
